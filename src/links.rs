//! `check --external`: are the web pages the manual links to still there? Collects every
//! `http(s)` address in chapter text, `see_also` lists and `external_url`, asks each site once
//! (a few at a time, each with a time limit), remembers the answers in
//! `.procbook/links.json` so that the next check asks again only what it must, and reports
//! each dead link as a warning at the line that has it.
//!
//! Only this command touches the network; a build never does.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::model::{Manual, SeeAlso};

/// Where answers are kept between checks, under the manual's `.procbook/`.
const CACHE_FILE: &str = "links.json";
/// A link found working is trusted for this long before it is asked again.
const TRUST_OK: Duration = Duration::from_secs(7 * 24 * 3600);
/// How many sites are asked at once.
const AT_ONCE: usize = 8;

/// How `check --external` asks.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest wait for one address, redirects included.
    pub timeout: Duration,
}

/// An external address and where it is written.
#[derive(Debug, Clone)]
struct Found {
    url: String,
    path: PathBuf,
    line: usize,
    column: usize,
    source: std::sync::Arc<str>,
}

/// What a site said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Answer {
    /// 2xx, or 3xx that ended well.
    Ok,
    /// A status other than success: 404, 410, 500...
    Status { code: u16 },
    /// No answer: the name, the connection or the time limit failed.
    Unreachable { reason: String },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    /// By address: the answer, and when it was given (seconds since 1970).
    links: BTreeMap<String, (Answer, u64)>,
}

/// What a check found.
pub struct Report {
    /// A warning for each link that does not work, at its line.
    pub dead: Vec<Diagnostic>,
    /// How many different addresses the manual links to...
    pub addresses: usize,
    /// ...and how many of them were asked now (the rest came from the cache).
    pub asked: usize,
}

/// Checks every external link of `manual`; dead ones become warnings.
pub fn check(manual: &Manual, root: &Path, options: &Options) -> Report {
    let found = collect(manual);
    let cache_path = root.join(crate::history::cache::CACHE_DIR).join(CACHE_FILE);
    let mut cache: Cache = std::fs::read(&cache_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut wanted: Vec<&str> = found
        .iter()
        .map(|f| f.url.as_str())
        .filter(|url| match cache.links.get(*url) {
            Some((Answer::Ok, when)) => now.saturating_sub(*when) > TRUST_OK.as_secs(),
            _ => true,
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let asked = wanted.len();
    crate::progress::stage(&format!("asking {asked} web addresses"));
    let answers: Vec<(String, Answer)> =
        match rayon::ThreadPoolBuilder::new().num_threads(AT_ONCE).build() {
            Ok(pool) => pool.install(|| {
                wanted
                    .par_iter()
                    .map(|url| ((*url).to_owned(), ask(url, options)))
                    .collect()
            }),
            Err(_) => wanted
                .iter()
                .map(|url| ((*url).to_owned(), ask(url, options)))
                .collect(),
        };
    for (url, answer) in answers {
        cache.links.insert(url, (answer, now));
    }
    // Forget addresses the manual no longer has.
    let present: HashSet<&str> = found.iter().map(|f| f.url.as_str()).collect();
    cache.links.retain(|url, _| present.contains(url.as_str()));
    if let Ok(json) = serde_json::to_vec_pretty(&cache) {
        let _ = std::fs::create_dir_all(cache_path.parent().unwrap_or(root));
        let _ = std::fs::write(&cache_path, json);
    }

    let mut out = Vec::new();
    for f in &found {
        let Some((answer, _)) = cache.links.get(&f.url) else {
            continue;
        };
        let what = match answer {
            Answer::Ok => continue,
            Answer::Status { code: 404 | 410 } => "is dead: the site says the page is not there",
            Answer::Status { code } if *code >= 500 => "did not work: the site had an error",
            Answer::Status { .. } => "did not work: the site refused it",
            Answer::Unreachable { .. } => "could not be reached",
        };
        let detail = match answer {
            Answer::Status { code } => format!(" ({code})"),
            Answer::Unreachable { reason } => format!(" ({reason})"),
            Answer::Ok => String::new(),
        };
        let mut d = Diagnostic::warning(&f.path, format!("the link to {} {what}{detail}", f.url))
            .at(f.line, f.column)
            .with_help("check the address in a browser; update it, or remove the link");
        if f.line > 1 {
            d = d.with_source_line(&f.source);
        }
        out.push(d);
    }
    Report {
        dead: out,
        addresses: present.len(),
        asked,
    }
}

/// Asks for `url`: HEAD first, then GET for sites that do not answer HEAD.
fn ask(url: &str, options: &Options) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(5)
        .user_agent(concat!(
            "procbook/",
            env!("CARGO_PKG_VERSION"),
            " link check"
        ))
        .build()
        .into();
    let status = |r: Result<ureq::http::Response<ureq::Body>, ureq::Error>| match r {
        Ok(response) => Ok(response.status().as_u16()),
        Err(ureq::Error::Timeout(_)) => Err(format!(
            "no answer within {} s",
            options.timeout.as_secs_f64()
        )),
        Err(ureq::Error::HostNotFound) => Err("the site's name was not found".to_owned()),
        Err(ureq::Error::ConnectionFailed) => Err("the connection failed".to_owned()),
        Err(ureq::Error::TooManyRedirects) => Err("it redirects too many times".to_owned()),
        Err(e) => Err(e.to_string()),
    };
    let mut result = status(agent.head(url).call());
    if matches!(result, Ok(403 | 405 | 501)) {
        result = status(agent.get(url).call());
    }
    match result {
        Ok(code) if (200..400).contains(&code) => Answer::Ok,
        Ok(code) => Answer::Status { code },
        Err(reason) => Answer::Unreachable { reason },
    }
}

/// Every `http(s)` address of the manual, with where it is written.
fn collect(manual: &Manual) -> Vec<Found> {
    let mut out = Vec::new();
    let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
    for c in &manual.chapters {
        let body = c.body();
        for (event, range) in Parser::new(body).into_offset_iter() {
            let (Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })) = event
            else {
                continue;
            };
            if !web(&dest_url) {
                continue;
            }
            let offset = c.body_offset + range.start;
            let (line, column) = crate::diagnostic::line_col(&c.source, offset);
            out.push(Found {
                url: dest_url.to_string(),
                path: c.path.clone(),
                line,
                column,
                source: c.source.clone(),
            });
        }
        let mut urls: Vec<(&str, &str)> = c
            .see_also
            .iter()
            .filter_map(|s| match s {
                SeeAlso::External { url, .. } => Some((url.as_str(), "see_also")),
                SeeAlso::Chapter { .. } => None,
            })
            .collect();
        urls.extend(c.external_url.as_deref().map(|u| (u, "external_url")));
        for (url, key) in urls.into_iter().filter(|(u, _)| web(u)) {
            out.push(Found {
                url: url.to_owned(),
                path: c.path.clone(),
                line: crate::front_matter::line_of_key(&c.source, key),
                column: 1,
                source: c.source.clone(),
            });
        }
    }
    for part in &manual.parts {
        for s in &part.see_also {
            if let SeeAlso::External { url, .. } = s
                && web(url)
            {
                out.push(Found {
                    url: url.clone(),
                    path: part.path.join(crate::load::INDEX_FILE),
                    line: 1,
                    column: 1,
                    source: std::sync::Arc::from(""),
                });
            }
        }
    }
    out
}
