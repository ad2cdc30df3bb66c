// procbook search client. It reads the static index in search/ (see src/search/export.rs) and
// follows the Rust code rule for rule: the analysis (src/search/analyze.rs), the query
// (src/search/query.rs) and the scores, which are tantivy's BM25 precomputed at build time, so
// that the results match `procbook search`. It needs porter2.js (procbookStem) loaded first.
// The engine runs in Node too (the tests load it with a file reader in place of fetch).
(function (global) {
  "use strict";

  // ---- Analysis: the same as src/search/analyze.rs ----
  var WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;
  var MAX_WORD = 40;
  var MAX_QUERY_CHARS = 500;
  // As src/search/query.rs PARTIAL_NOTE.
  var PARTIAL_NOTE = "No section has all of these words: these have the most of them.";
  // As src/search/query.rs APART_NOTE.
  var APART_NOTE = "None of the best sections with these words has the quoted ones side by side: these have all the words.";

  function isWordChar(c) { return WORD_CHAR.test(c); }
  function isApostrophe(c) { return c === "'" || c === "\u2019"; }

  // [start, end] code-unit ranges of the words of text.
  function splitWords(text) {
    var out = [];
    var chars = Array.from(text);
    var offsets = [];
    var at = 0;
    for (var k = 0; k < chars.length; k++) { offsets.push(at); at += chars[k].length; }
    offsets.push(at);
    var start = -1;
    for (var i = 0; i < chars.length; i++) {
      var c = chars[i];
      if (isWordChar(c)) { if (start < 0) start = offsets[i]; continue; }
      if (isApostrophe(c) && start >= 0 && i + 1 < chars.length && isWordChar(chars[i + 1])) {
        var j = i + 1;
        var tail = "";
        while (j < chars.length && isWordChar(chars[j])) { tail += chars[j]; j++; }
        if (tail.toLowerCase() === "s") {
          out.push([start, offsets[i]]);
          start = -1;
          i++; // the "s"
        }
        continue;
      }
      if (start >= 0) { out.push([start, offsets[i]]); start = -1; }
    }
    if (start >= 0) out.push([start, at]);
    return out;
  }

  function Analyzer(meta) {
    this.stop = new Set(meta.stop_words);
    this.questions = new Set(meta.question_words || []);
    this.spellings = meta.spellings || {};
  }
  Analyzer.prototype.lower = function (word) {
    return Array.from(word).filter(function (c) { return !isApostrophe(c); }).join("").toLowerCase();
  };
  Analyzer.prototype.term = function (word) {
    var lower = this.lower(word);
    if (!lower || Array.from(lower).length > MAX_WORD || this.stop.has(lower)) return null;
    var stem = global.procbookStem(lower);
    return Object.prototype.hasOwnProperty.call(this.spellings, stem) ? this.spellings[stem] : stem;
  };
  Analyzer.prototype.analyze = function (text) {
    var out = [];
    var spans = splitWords(text);
    for (var i = 0; i < spans.length; i++) {
      var t = this.term(text.slice(spans[i][0], spans[i][1]));
      if (t !== null) out.push({ term: t, start: spans[i][0], end: spans[i][1] });
    }
    return out;
  };
  Analyzer.prototype.terms = function (text) {
    return this.analyze(text).map(function (w) { return w.term; });
  };
  Analyzer.prototype.isQuestionWord = function (word) {
    return this.questions.has(this.lower(word));
  };

  // ---- Query: the same as src/search/query.rs ----
  function parse(query, analyzer) {
    query = Array.from(query).slice(0, MAX_QUERY_CHARS).join("");
    // As src/search/query.rs: complete after a space, a quote, or ? ! . , ; : )
    var endsOpen = !(query.length === 0 || /[\s"?!.,;:)]$/u.test(query));
    // Each clause, with whether it is a question word's.
    var clauses = [];
    var parts = query.split('"');
    var words = [];
    function pushWords() {
      for (var w = 0; w < words.length; w++) {
        var t = analyzer.term(words[w]);
        if (t !== null) clauses.push([{ kind: "word", term: t }, analyzer.isQuestionWord(words[w])]);
      }
      words = [];
    }
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (i % 2 === 1) {
        var terms = analyzer.terms(part);
        terms.forEach(function (t) { clauses.push([{ kind: "word", term: t }, false]); });
        // A phrase only filters: its words score as words.
        if (terms.length > 1) clauses.push([{ kind: "phrase", terms: terms }, false]);
        continue;
      }
      splitWords(part).forEach(function (s) { words.push(part.slice(s[0], s[1])); });
      if (endsOpen && i === parts.length - 1 && words.length > 0) {
        var last = words.pop();
        pushWords();
        var prefix = analyzer.lower(last);
        if (!analyzer.stop.has(prefix)) clauses.push([{ kind: "prefix", prefix: prefix, term: analyzer.term(last) }, analyzer.isQuestionWord(last)]);
        continue;
      }
      pushWords();
    }
    // Question words add nothing where there is anything else.
    var asked = clauses.some(function (c) { return !c[1]; });
    return clauses.filter(function (c) { return !asked || !c[1]; }).map(function (c) { return c[0]; });
  }

  // The terms to mark in results, as src/search/query.rs `marked_terms`: those of the words
  // the query looks for, and of the word being typed.
  function markedTerms(query, analyzer) {
    var out = [];
    parse(query, analyzer).forEach(function (c) {
      if (c.kind !== "phrase" && c.term !== null) out.push(c.term);
    });
    return out;
  }

  function byteCompare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // ---- Index ----
  function Engine(base, load) {
    this.base = base;        // where search/ is, e.g. "search/"
    this.load = load;        // load(path, "bytes", signal, [start, end]?) -> Promise<ArrayBuffer>
    this.shards = new Map(); // file -> Promise<Shard>
    this.fragments = new Map(); // chapter -> { loading: Promise<fragment>, signal }
    this.docTerms = new Map(); // document -> { loading: Promise<its fields' terms>, signal }
    this.packs = new Map();     // c/ or t/ file -> Promise<its whole bytes>, once a server sends whole files
    this.wholeFiles = false;    // whether the server ignores range requests
    this.fetched = 0;        // bytes of index fetched (meta.json and shards), for measurements
    this.fetchedExcerpts = 0; // bytes of chapter fragments fetched for the results shown
  }

  Engine.prototype.ready = function () {
    var self = this;
    if (!this.metaPromise) {
      this.metaPromise = this.load(this.base + "meta.json", "bytes").then(function (bytes) {
        self.fetched += bytes.byteLength;
        self.meta = JSON.parse(new TextDecoder().decode(bytes));
        self.analyzer = new Analyzer(self.meta);
        return self.meta;
      });
    }
    return this.metaPromise;
  };

  function Shard(buffer) {
    var view = new DataView(buffer);
    var bytes = new Uint8Array(buffer);
    var decoder = new TextDecoder();
    // "PBS2": a shard of another version (a browser's cached copy of an older build) is not
    // read as this one.
    if (bytes.length < 12 || bytes[0] !== 80 || bytes[1] !== 66 || bytes[2] !== 83 || bytes[3] !== 50) {
      throw new Error("not a search shard of this version");
    }
    var count = view.getUint32(4, true);
    var first = view.getUint32(8, true); // the number of the shard's first term
    var at = 12;
    this.terms = new Map(); // term -> { df, count, offset, number }
    this.order = [];
    this.view = view;
    this.bytes = bytes;
    for (var i = 0; i < count; i++) {
      var len = bytes[at]; at += 1;
      var term = decoder.decode(bytes.subarray(at, at + len)); at += len;
      var df = view.getUint32(at, true); at += 4;
      var n = view.getUint32(at, true); at += 4;
      this.terms.set(term, { df: df, count: n, offset: at, number: first + i });
      this.order.push(term);
      for (var p = 0; p < n; p++) {
        while (bytes[at] & 0x80) at++;
        at += 4; // the varint's last byte, and the u24 score
      }
    }
  }
  // A term's postings, decoded once: its documents in order, and their scores.
  function Postings(docs, scores) { this.docs = docs; this.scores = scores; }
  var NO_POSTINGS = new Postings(new Uint32Array(0), new Float64Array(0));

  Shard.prototype.postings = function (term) {
    var entry = this.terms.get(term);
    if (!entry) return NO_POSTINGS;
    if (entry.decoded) return entry.decoded;
    var bytes = this.bytes;
    var at = entry.offset;
    var n = entry.count;
    var docs = new Uint32Array(n);
    var scores = new Float64Array(n);
    var doc = 0;
    for (var p = 0; p < n; p++) {
      var gap = 0, shift = 0, b;
      do { b = bytes[at++]; gap |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
      doc += gap;
      docs[p] = doc;
      scores[p] = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) / 10000;
      at += 3;
    }
    entry.decoded = new Postings(docs, scores);
    return entry.decoded;
  };

  // The shard files whose term range meets [from, to].
  Engine.prototype.shardsFor = function (from, to) {
    return this.meta.shards.filter(function (s) {
      return byteCompare(s[1], from) >= 0 && byteCompare(s[0], to) <= 0;
    }).map(function (s) { return s[2]; });
  };

  Engine.prototype.shard = function (file) {
    var self = this;
    if (!this.shards.has(file)) {
      this.shards.set(file, this.load(this.base + file, "bytes").then(function (buffer) {
        self.fetched += buffer.byteLength;
        return new Shard(buffer);
      }));
    }
    return this.shards.get(file);
  };

  Engine.prototype.postings = function (term) {
    return this.entry(term).then(function (found) { return found ? found.shard.postings(term) : NO_POSTINGS; });
  };

  // The shard that holds `term`, and its entry there (null where no shard does).
  Engine.prototype.entry = function (term) {
    var self = this;
    var files = this.shardsFor(term, term);
    return Promise.all(files.map(function (f) { return self.shard(f); })).then(function (shards) {
      for (var i = 0; i < shards.length; i++) {
        if (shards[i].terms.has(term)) return { shard: shards[i], entry: shards[i].terms.get(term) };
      }
      return null;
    });
  };

  // The terms a prefix stands for, as src/search/query.rs `expand`.
  Engine.prototype.expand = function (prefix, term) {
    var self = this;
    var longEnough = Array.from(prefix).length >= this.meta.min_prefix;
    // A prefix too short to expand stands for its own word alone: only that word's shard.
    var files = longEnough ? this.shardsFor(prefix, prefix + "\uffff") : [];
    if (term) files = files.concat(this.shardsFor(term, term));
    files = files.filter(function (f, i) { return files.indexOf(f) === i; });
    return Promise.all(files.map(function (f) { return self.shard(f); })).then(function (shards) {
      var found = new Map();
      shards.forEach(function (shard) {
        if (!longEnough) {
          if (shard.terms.has(term)) found.set(term, shard.terms.get(term).df);
          return;
        }
        shard.order.forEach(function (t) {
          if (t.startsWith(prefix) || t === term) found.set(t, shard.terms.get(t).df);
        });
      });
      var list = Array.from(found.entries()).filter(function (e) { return e[1] > 0; });
      list.sort(function (a, b) { return b[1] - a[1] || byteCompare(a[0], b[0]); });
      return list.slice(0, self.meta.max_expansions).map(function (e) { return e[0]; });
    });
  };

  // Postings lists combined, over `size` documents: with `requireAll`, the documents in every
  // list, else those in any; each with the sum of its scores taken in list order (the order
  // in which the Rust code sums them, so that the totals are the same numbers). Two arrays
  // over all the documents, not a map: a common word has thousands of postings.
  function combine(lists, requireAll, size) {
    if (lists.length === 0) return NO_POSTINGS;
    if (lists.length === 1) return lists[0];
    size = room(lists, size);
    var total = new Float64Array(size);
    // How many of the lists so far each document is in.
    var count = new Uint32Array(size);
    for (var i = 0; i < lists.length; i++) {
      var docs = lists[i].docs, scores = lists[i].scores;
      if (requireAll && docs.length === 0) return NO_POSTINGS;
      for (var p = 0; p < docs.length; p++) {
        var d = docs[p];
        if (requireAll && count[d] !== i) continue;
        count[d]++;
        total[d] += scores[p];
      }
    }
    return counted(count, total, requireAll ? lists.length : 1);
  }

  // The documents in the most of `lists` that any is in (where none is in all), each with
  // the sum of its scores in list order; `partial` is [that many, `parts`].
  function mostOf(lists, size, parts) {
    size = room(lists, size);
    var total = new Float64Array(size);
    var count = new Uint32Array(size);
    var most = 0;
    for (var i = 0; i < lists.length; i++) {
      var docs = lists[i].docs, scores = lists[i].scores;
      for (var p = 0; p < docs.length; p++) {
        var d = docs[p];
        if (++count[d] > most) most = count[d];
        total[d] += scores[p];
      }
    }
    if (most === 0) return NO_POSTINGS;
    var out = counted(count, total, most);
    out.partial = [most, parts];
    return out;
  }

  // Room for every document listed, should a shard be newer than meta.json (a browser's
  // cached copy): postings are in document order, so each list's last is its largest.
  function room(lists, size) {
    lists.forEach(function (l) { if (l.docs.length) size = Math.max(size, l.docs[l.docs.length - 1] + 1); });
    return size;
  }

  // The documents counted at least `need` times, in order, with their totals.
  function counted(count, total, need) {
    var found = 0;
    for (var d = 0; d < count.length; d++) if (count[d] >= need) found++;
    var out = new Postings(new Uint32Array(found), new Float64Array(found));
    var k = 0;
    for (var d2 = 0; d2 < count.length; d2++) {
      if (count[d2] >= need) { out.docs[k] = d2; out.scores[k] = total[d2]; k++; }
    }
    return out;
  }

  // Every document that has all the query's words (and the word being typed), with its score;
  // where none does, those that have the most (as src/search/index.rs `find`). The phrases
  // are checked afterwards (`search`). The postings are loaded first; with `signal` aborted by
  // then (the reader typed on), nothing is scored.
  Engine.prototype.match = function (clauses, signal) {
    var self = this;
    var words = clauses.filter(function (c) { return c.kind !== "phrase"; });
    return Promise.all(words.map(function (c) {
      if (c.kind === "word") return self.postings(c.term).then(function (p) { return [p]; });
      return self.expand(c.prefix, c.term).then(function (terms) {
        return Promise.all(terms.map(function (t) { return self.postings(t); }));
      });
    })).then(function (loaded) {
      if (signal && signal.aborted) return NO_POSTINGS;
      var size = self.meta.docs;
      var each = loaded.map(function (lists) { return combine(lists, false, size); });
      var all = combine(each, true, size);
      return all.docs.length || clauses.length < 2 ? all : mostOf(each, size, clauses.length);
    });
  };

  // Whether each document is in a local chapter, made when first asked.
  Engine.prototype.localDocs = function () {
    if (!this.local) {
      this.local = new Uint8Array(this.meta.docs);
      var local = this.local;
      this.meta.local.forEach(function (r) { local.fill(1, r[0], r[1]); });
    }
    return this.local;
  };

  // options: { limit, part (index into meta.parts or ""), scope ("local" | "national" | ""),
  // signal (an AbortSignal: once aborted, the search ends with no results) }.
  // Resolves to [{ doc, score }], best first; where no document has every part of the query,
  // the array's `partial` is [the most parts any has, the number of parts], and its `apart`
  // is true where those are every word but not the quoted ones side by side.
  Engine.prototype.search = function (query, options) {
    var self = this;
    options = options || {};
    return this.ready().then(function () {
      var clauses = parse(query, self.analyzer);
      if (clauses.length === 0) return [];
      var phrases = clauses.filter(function (c) { return c.kind === "phrase"; });
      return self.match(clauses, options.signal).then(function (found) {
        var limit = options.limit || 10;
        if (!phrases.length || found.partial || !found.docs.length) {
          var best = self.best(found, options, limit);
          if (found.partial && best.length) best.partial = found.partial;
          return best;
        }
        // A phrase only filters: the best sections with it are the first of the best with
        // all the words that have it, looked for among the first `phrase_candidates` (as
        // src/search/index.rs `find`). Where none of those has it, they are the results.
        var candidates = self.best(found, options, Math.max(limit, self.meta.phrase_candidates));
        return self.withPhrases(candidates, phrases, limit, options.signal).then(function (kept) {
          if (kept.length || !candidates.length) return kept;
          var all = candidates.slice(0, limit);
          all.partial = [clauses.length - phrases.length, clauses.length];
          all.apart = true;
          return all;
        });
      });
    });
  };

  // The best `limit` of `found` that pass the filters in `options`, best first.
  Engine.prototype.best = function (found, options, limit) {
    var meta = this.meta;
    var part = options.part === "" || options.part == null ? null : meta.parts[Number(options.part)];
    var local = options.scope ? this.localDocs() : null;
    // The best `limit`, kept in order as the documents go by (most are not among them).
    var best = [];
    var better = function (a, b) { return a.score > b.score || (a.score === b.score && a.doc < b.doc); };
    for (var i = 0; i < found.docs.length; i++) {
      var doc = found.docs[i];
      if (part && (doc < part.first || doc >= part.end)) continue;
      if (options.scope === "local" && !local[doc]) continue;
      if (options.scope === "national" && local[doc]) continue;
      var hit = { doc: doc, score: found.scores[i] };
      if (best.length === limit && !better(hit, best[limit - 1])) continue;
      var at = best.length;
      while (at > 0 && better(hit, best[at - 1])) at--;
      best.splice(at, 0, hit);
      if (best.length > limit) best.pop();
    }
    return best;
  };

  // The first `limit` of `candidates` (in order) with every phrase: each adjacent pair of a
  // phrase's terms side by side in the chapter's title, the section's title or its text. The
  // candidates' terms are loaded a few at a time, in the candidates' order, until enough are
  // found. With `signal` aborted, none are.
  Engine.prototype.withPhrases = function (candidates, phrases, limit, signal) {
    var self = this;
    var terms = [];
    phrases.forEach(function (p) { terms = terms.concat(p.terms); });
    return Promise.all(terms.map(function (t) { return self.entry(t); })).then(function (entries) {
      var number = new Map();
      terms.forEach(function (t, i) { if (entries[i]) number.set(t, entries[i].entry.number); });
      // Each phrase's pairs, as numbers; a term no shard holds is in no section.
      var pairs = [];
      var missing = false;
      phrases.forEach(function (p) {
        for (var i = 0; i + 1 < p.terms.length; i++) {
          if (!number.has(p.terms[i]) || !number.has(p.terms[i + 1])) missing = true;
          pairs.push([number.get(p.terms[i]), number.get(p.terms[i + 1])]);
        }
      });
      if (missing) return [];
      var kept = [];
      var next = 0;
      function step() {
        if (signal && signal.aborted) return [];
        if (kept.length >= limit || next >= candidates.length) return kept;
        // The next candidates, up to as many as are wanted, looked at together.
        var batch = candidates.slice(next, next + Math.max(limit - kept.length, 4));
        next += batch.length;
        return Promise.all(batch.map(function (h) { return self.documentTerms(h.doc, signal); })).then(function (docs) {
          for (var i = 0; i < batch.length && kept.length < limit; i++) {
            if (pairs.every(function (pair) { return adjacent(docs[i], pair[0], pair[1]); })) kept.push(batch[i]);
          }
          return step();
        });
      }
      return step();
    });
  };

  // The LEB128 varint at `cursor.at` in `bytes`, moving the cursor past it. (A shard's postings
  // read theirs inline: there are thousands of them.)
  function readVarint(bytes, cursor) {
    var n = 0, shift = 0, b;
    do { b = bytes[cursor.at++]; n += (b & 0x7f) * Math.pow(2, shift); shift += 7; } while (b & 0x80);
    return n;
  }

  // Whether `a` is followed by `b` in one of a document's fields.
  function adjacent(fields, a, b) {
    for (var f = 0; f < fields.length; f++) {
      var terms = fields[f];
      for (var i = 0; i + 1 < terms.length; i++) if (terms[i] === a && terms[i + 1] === b) return true;
    }
    return false;
  }

  // The chapter a document is in (meta.json's `chapter_docs` is where each one's start).
  Engine.prototype.chapterOf = function (doc) {
    var starts = this.meta.chapter_docs;
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (starts[mid] <= doc) lo = mid; else hi = mid - 1; }
    return lo;
  };

  // Bytes [start, end) of the file `file` (under `base`), asked for with a range request. A
  // server that ignores the range sends the whole file, which is then kept for the other
  // ranges asked of it. `counted(n)` is told the bytes fetched.
  Engine.prototype.rangeBytes = function (file, start, end, signal, counted) {
    var self = this;
    var bytes = this.packs.get(file);
    if (!bytes) {
      var ranged = !this.wholeFiles;
      bytes = this.load(this.base + file, "bytes", signal, ranged ? [start, end] : null).then(function (got) {
        counted(got.byteLength);
        // More than was asked for is the whole file: this server ignores ranges, so files
        // are fetched whole from now on, and this one is kept for its other ranges.
        if (got.byteLength !== end - start) {
          self.wholeFiles = true;
          self.packs.set(file, Promise.resolve(got));
        }
        return got;
      });
      if (!ranged) {
        // Shared while it loads; forgotten if it fails or is given up.
        var mine = bytes;
        this.packs.set(file, mine);
        mine.catch(function () { if (self.packs.get(file) === mine) self.packs.delete(file); });
      }
    }
    return bytes.then(function (got) {
      return got.byteLength === end - start ? got : got.slice(start, end);
    });
  };

  // Chapter `c`'s bytes in the files `dir`N`ext`, `meta.fragment_pack` chapters a file, whose
  // lengths are `lengths`.
  Engine.prototype.chapterBytes = function (c, dir, ext, lengths, signal, counted) {
    var meta = this.meta;
    var pack = Math.floor(c / meta.fragment_pack);
    var start = 0;
    for (var k = pack * meta.fragment_pack; k < c; k++) start += lengths[k];
    return this.rangeBytes(dir + pack + ext, start, start + lengths[c], signal, counted);
  };

  // Loaded once for each key (a chapter or a document) in `cache` (key -> { loading, signal })
  // by `make()`; one given up (its `signal` aborted while it loaded) or failed is loaded again
  // when next asked for.
  function once(cache, c, signal, make) {
    var known = cache.get(c);
    if (!known || (known.signal && known.signal.aborted)) {
      var entry = { signal: signal };
      entry.loading = make().then(function (value) { entry.signal = null; return value; });
      known = entry;
      known.loading.catch(function () { if (cache.get(c) === known) cache.delete(c); });
      cache.set(c, known);
    }
    return known.loading;
  }

  // Where each document's terms are in its t/N.bin file: [file, start, end] by document, from
  // t/lengths.bin (each one's length, as varints), loaded once.
  Engine.prototype.termPlaces = function () {
    var self = this;
    var meta = this.meta;
    if (!this.termPlacesPromise) {
      this.termPlacesPromise = this.load(this.base + "t/lengths.bin", "bytes").then(function (buffer) {
        self.fetched += buffer.byteLength;
        var bytes = new Uint8Array(buffer);
        var places = new Array(meta.docs);
        var cursor = { at: 0 }, pack = -1, offset = 0;
        for (var d = 0; d < meta.docs; d++) {
          var len = readVarint(bytes, cursor);
          var p = Math.floor(self.chapterOf(d) / meta.fragment_pack);
          if (p !== pack) { pack = p; offset = 0; }
          places[d] = ["t/" + p + ".bin", offset, offset + len];
          offset += len;
        }
        return places;
      });
      this.termPlacesPromise.catch(function () { self.termPlacesPromise = null; });
    }
    return this.termPlacesPromise;
  };

  // A document's terms' numbers, field by field (title, section title, text), from its
  // chapter's t/N.bin (see src/search/export.rs `term_files`), fetched alone by range.
  Engine.prototype.documentTerms = function (doc, signal) {
    var self = this;
    var width = this.meta.term_width;
    return once(this.docTerms, doc, signal, function () {
      return self.termPlaces().then(function (places) {
        var place = places[doc];
        return self.rangeBytes(place[0], place[1], place[2], signal, function (n) { self.fetched += n; });
      }).then(function (buffer) {
        var bytes = new Uint8Array(buffer);
        var view = new DataView(buffer);
        var fields = [];
        var cursor = { at: 0 };
        for (var f = 0; f < 3; f++) {
          var len = readVarint(bytes, cursor);
          var at = cursor.at;
          var terms = new Uint32Array(len);
          for (var i = 0; i < len; i++, at += width) terms[i] = width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
          cursor.at = at;
          fields.push(terms);
        }
        return fields;
      });
    });
  };

  // The chapter and section of a document, from its chapter's fragment: a line of the file
  // c/N.jsonl that holds it and the next chapters' (meta.json gives each one's length), asked
  // for with a range request. A server that ignores the range sends the whole file, which is
  // then kept for its other chapters. With `signal`, a fragment still loading is given up when
  // the signal aborts (the reader typed on), so that the newer search's loads do not queue
  // behind it; it is loaded again when next asked for.
  Engine.prototype.describe = function (doc, signal) {
    var self = this;
    var meta = this.meta;
    var c = this.chapterOf(doc);
    return once(this.fragments, c, signal, function () {
      return self.chapterBytes(c, "c/", ".jsonl", meta.fragment_bytes, signal, function (n) { self.fetchedExcerpts += n; }).then(function (line) {
        return JSON.parse(new TextDecoder().decode(line));
      });
    }).then(function (chapter) {
      var section = chapter.sections.filter(function (s) { return s.doc === doc; })[0] || { anchor: null, title: "", text: "" };
      return {
        id: chapter.id, number: chapter.number, title: chapter.title,
        section: section.anchor, section_title: section.title,
        url: chapter.url + (section.anchor ? "#" + section.anchor : ""),
        text: section.text,
      };
    });
  };

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // About 30 words around the most query words, marked with <mark>, as src/search/index.rs.
  function snippet(text, terms, analyzer) {
    var WINDOW = 30;
    var words = analyzer.analyze(text);
    var hit = function (w) {
      return terms.some(function (t) { return w.term === t || (t.length >= 3 && w.term.startsWith(t)); });
    };
    var marks = words.map(hit);
    var best = [0, 0], count = 0;
    for (var i = 0; i < words.length; i++) {
      count += marks[i] ? 1 : 0;
      if (i >= WINDOW) count -= marks[i - WINDOW] ? 1 : 0;
      if (count > best[1]) best = [Math.max(0, i + 1 - WINDOW), count];
    }
    var startAt = words.length ? words[best[0]].start : 0;
    var before = text.slice(0, startAt);
    var stop = Math.max(before.lastIndexOf("."), before.lastIndexOf("!"), before.lastIndexOf("?"));
    var from = startAt - (stop + 1) < 120 ? stop + 1 : startAt;
    var spans = splitWords(text);
    var firstSpan = spans.filter(function (s) { return s[0] >= from; })[0];
    from = firstSpan ? firstSpan[0] : from;
    var after = spans.filter(function (s) { return s[0] >= from; });
    var end = after.length > WINDOW + 8 ? after[WINDOW + 8][0] : text.length;
    var out = from > 0 ? "\u2026 " : "";
    var at = from;
    words.forEach(function (w) {
      if (w.start >= from && w.end <= end && hit(w)) {
        out += escapeHtml(text.slice(at, w.start)) + "<mark>" + escapeHtml(text.slice(w.start, w.end)) + "</mark>";
        at = w.end;
      }
    });
    out += escapeHtml(text.slice(at, end).replace(/\s+$/u, ""));
    if (end < text.length) out += " \u2026";
    return out;
  }

  // A title with the query's words marked.
  function markTitle(text, terms, analyzer) {
    var out = "", at = 0;
    analyzer.analyze(text).forEach(function (w) {
      if (terms.indexOf(w.term) >= 0) {
        out += escapeHtml(text.slice(at, w.start)) + "<mark>" + escapeHtml(text.slice(w.start, w.end)) + "</mark>";
        at = w.end;
      }
    });
    return out + escapeHtml(text.slice(at));
  }

  global.ProcbookSearch = { Engine: Engine, Analyzer: Analyzer, parse: parse, splitWords: splitWords, snippet: snippet, markTitle: markTitle, escapeHtml: escapeHtml };

  // ---- The search page ----
  if (typeof document === "undefined") return;
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("search-input");
    var results = document.getElementById("search-results");
    if (!input || !results) return;
    var form = input.form;
    var partSelect = document.getElementById("search-part");
    var scopeSelect = document.getElementById("search-scope");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-list");
    var engine = new Engine("search/", function (path, kind, signal, range) {
      var headers = range ? { Range: "bytes=" + range[0] + "-" + (range[1] - 1) } : undefined;
      return fetch(path, { signal: signal, headers: headers }).then(function (r) {
        if (!r.ok) throw new Error(path + ": " + r.status);
        return r.arrayBuffer();
      });
    });
    engine.ready().then(function (meta) {
      meta.parts.forEach(function (p, i) {
        var o = document.createElement("option");
        o.value = String(i);
        o.textContent = p.number + ". " + p.title;
        partSelect.appendChild(o);
      });
      var params = new URLSearchParams(window.location.search);
      if (params.get("part")) partSelect.value = params.get("part");
      if (params.get("scope")) scopeSelect.value = params.get("scope");
      if (params.get("q")) { input.value = params.get("q"); run(); }
    }).catch(function () {
      status.textContent = "Search is not available here (its index could not be loaded). Use the contents page instead.";
    });
    var sequence = 0;
    var pending = null;
    function run() {
      var query = input.value;
      var mine = ++sequence;
      // Excerpts still loading for an earlier keystroke's results are not wanted any more.
      if (pending) pending.abort();
      pending = typeof AbortController === "function" ? new AbortController() : null;
      var signal = pending ? pending.signal : undefined;
      var params = new URLSearchParams();
      if (query) params.set("q", query);
      if (partSelect.value) params.set("part", partSelect.value);
      if (scopeSelect.value) params.set("scope", scopeSelect.value);
      var qs = params.toString();
      window.history.replaceState(null, "", qs ? "?" + qs : window.location.pathname);
      if (!query.trim()) { list.innerHTML = ""; status.textContent = ""; return; }
      engine.search(query, { limit: 10, part: partSelect.value, scope: scopeSelect.value, signal: signal }).then(function (hits) {
        // A search overtaken by a newer one while its index loaded shows nothing, so it
        // loads no excerpts.
        if (mine !== sequence) return null;
        return Promise.all(hits.map(function (h) { return engine.describe(h.doc, signal); })).then(function (described) {
          return { described: described, partial: hits.partial, apart: hits.apart };
        });
      }).then(function (shown) {
        if (mine !== sequence || !shown) return;
        var described = shown.described;
        var terms = markedTerms(query, engine.analyzer);
        list.innerHTML = described.map(function (d) {
          var section = d.section_title ? '<span class="result-section">' + markTitle(d.section_title, terms, engine.analyzer) + "</span>" : "";
          return '<li class="result"><a href="' + escapeHtml(d.url) + '"><span class="result-chapter"><span class="num">' +
            escapeHtml(d.number) + "</span> " + markTitle(d.title, terms, engine.analyzer) + "</span>" + section + "</a>" +
            '<p class="result-snippet">' + snippet(d.text, terms, engine.analyzer) + "</p></li>";
        }).join("");
        var n = described.length;
        status.textContent = n === 0
          ? "No results for \u201c" + query + "\u201d. Try fewer or other words."
          : (shown.partial ? (shown.apart ? APART_NOTE : PARTIAL_NOTE) + " " : "") +
            n + (n === 1 ? " result" : " results") + " for \u201c" + query + "\u201d" + (n === 10 ? " (the best 10)" : "") + ".";
        document.documentElement.setAttribute("data-search-done", String(mine));
      }).catch(function () {
        if (mine === sequence) status.textContent = "Search failed to load part of its index. Please try again.";
      });
    }
    input.addEventListener("input", run);
    partSelect.addEventListener("change", run);
    scopeSelect.addEventListener("change", run);
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  });
})(typeof globalThis !== "undefined" ? globalThis : this);
