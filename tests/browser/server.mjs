// A minimal static file server over a built site, on a free loopback port, for browser tests.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".pdf": "application/pdf",
  ".xml": "application/xml",
};

// `delay(pathname)`, when given, is how many milliseconds to hold each answer back: a slow
// network for some files. A request for one range of bytes ("Range: bytes=A-B") is answered
// with those bytes (206), as common web servers do, unless `ranges` is false: then with the
// whole file (200), as a server that does not support ranges answers.
export async function serve(dir, { delay, ranges = true } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    const wait = delay ? delay(url.pathname) : 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) { res.writeHead(400); res.end(); return; }
    if (file.endsWith(path.sep)) file = path.join(file, "index.html");
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
        res.end(fs.existsSync(path.join(root, "404.html")) ? fs.readFileSync(path.join(root, "404.html")) : "not found");
        return;
      }
      const type = TYPES[path.extname(file)] || "application/octet-stream";
      const range = ranges && /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || "");
      if (range && Number(range[1]) <= Number(range[2]) && Number(range[1]) < data.length) {
        const [start, last] = [Number(range[1]), Math.min(Number(range[2]), data.length - 1)];
        res.writeHead(206, { "content-type": type, "content-range": `bytes ${start}-${last}/${data.length}` });
        res.end(data.subarray(start, last + 1));
        return;
      }
      res.writeHead(200, { "content-type": type });
      res.end(data);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}
