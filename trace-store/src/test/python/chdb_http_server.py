#!/usr/bin/env python3
"""A test-only ClickHouse HTTP endpoint in front of chDB, the real ClickHouse engine in-process.

Why it exists: Warden's ClickHouse span store talks to ClickHouse through the official JDBC driver
(com.clickhouse:clickhouse-jdbc 0.10), which speaks ClickHouse's HTTP interface. No ClickHouse
server newer than 18.16 installs on the build machines, and 18.16 cannot answer that driver.
chDB (PyPI `chdb-core`) embeds the current ClickHouse engine (26.9) but does not open its HTTP
listener: `SYSTEM START LISTEN HTTP` fails with "Can't start servers because
start_servers_callback is not set". So this file implements the *transport* - the subset of
ClickHouse's HTTP protocol the JDBC driver uses - and hands every statement, every byte of insert
data and every output format to chDB. SQL parsing, table engines, TTL, partitions, merges,
RowBinaryWithNamesAndTypes encoding and error texts all come from the real engine; only the HTTP
framing below is ours. See trace-store/README-clickhouse.md.

Protocol subset (as ClickHouse documents its HTTP interface):
  * GET|HEAD /ping and GET / without a query -> "Ok.\\n".
  * GET or POST /: the query is the `query` URL parameter, followed by the request body; without
    the parameter the body is the query. For `INSERT ... FORMAT <fmt>` the body (or what follows
    the FORMAT name in it) is the data, streamed into chDB's insert in that format.
  * Parameters: database (also X-ClickHouse-Database), default_format (also X-ClickHouse-Format),
    query_id, session_id, compress, decompress, user/password (accepted, unchecked: test-only),
    param_<name> (server-side query parameters), and any other name is a query-level setting.
  * Request bodies: chunked or Content-Length; Content-Encoding gzip/deflate/lz4 (when the
    client enables HTTP compression) and ClickHouse's native LZ4 block framing (decompress=1).
  * Responses: X-ClickHouse-Query-Id, -Format, -Timezone, -Server-Display-Name, -Summary (rows
    and bytes read/written, from the engine's counters), Content-Type; compress=1 wraps the body
    in ClickHouse's native compressed blocks (LZ4 + CityHash128 v1.0.2 checksum), and
    enable_http_compression=1 with Accept-Encoding gzip/deflate applies HTTP compression.
  * Errors: the engine's own "Code: N. DB::Exception: ..." text, X-ClickHouse-Exception-Code: N,
    and the HTTP status ClickHouse maps that code to.

Usage: chdb_http_server.py --port 18123 --path /tmp/ch-data [--host 127.0.0.1] [--log-requests]
       [--exit-with-parent]
Prints "chdb-http listening on 127.0.0.1:<port> engine <version>" once ready; /ping answers then.
Exits on SIGTERM/SIGINT. Statements are serialised (one at a time): this is a test fixture.
"""

import argparse
import gzip
import http.server
import json
import os
import re
import signal
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib

try:
    import chdb
except ImportError as e:  # pragma: no cover - the Java test turns this into a clear failure
    sys.stderr.write("chdb-http: cannot import chdb (%s); run scripts/install.sh --test\n" % e)
    sys.exit(3)

# Optional: needed only for the native compression (compress=1 / decompress=1) and lz4 encodings.
try:
    import lz4.block
    import lz4.frame
    from clickhouse_cityhash.cityhash import CityHash128
except ImportError:  # pragma: no cover
    lz4 = None
    CityHash128 = None

ENGINE_VERSION = chdb.engine_version if hasattr(chdb, "engine_version") else chdb.__version__

# URL parameters with a meaning of their own; every other parameter is a setting.
PROTOCOL_PARAMS = {
    "query", "database", "default_format", "query_id", "session_id", "session_timeout",
    "session_check", "compress", "decompress", "user", "password", "quota_key", "buffer_size",
    "wait_end_of_query", "enable_http_compression", "http_zlib_compression_level",
    "client_protocol_version", "role", "http_headers_progress_interval_ms",
    "send_progress_in_http_headers", "http_response_buffer_size",
}
# Settings the HTTP layer itself consumes (the engine has no use for them here).
TRANSPORT_SETTINGS = {
    "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
    "http_headers_progress_interval_ms", "wait_end_of_query", "buffer_size",
    "http_response_buffer_size", "cancel_http_readonly_queries_on_client_close",
}

# ClickHouse's mapping of exception codes to HTTP statuses (src/Server/HTTPHandler.cpp,
# exceptionCodeToHTTPStatus); anything else is 500.
HTTP_STATUS_BY_CODE = {
    516: 401, 194: 401, 195: 403, 192: 403, 497: 403,  # authentication / access
    164: 403, 291: 403, 164: 403,                          # READONLY, DATABASE_ACCESS_DENIED
    62: 400, 27: 400, 6: 400, 69: 400, 72: 400, 26: 400, 47: 400, 33: 400, 34: 400, 36: 400,
    41: 400, 42: 400, 43: 400, 44: 400, 53: 400, 70: 400, 73: 400, 115: 400, 117: 400,
    184: 400, 215: 400, 246: 400, 456: 400, 457: 400, 695: 400,  # bad request family
    60: 404, 81: 404, 46: 404, 16: 404, 154: 404, 282: 404,       # unknown table/db/function
    159: 504, 209: 504, 210: 500,                                 # timeouts
    241: 507, 243: 507,                                           # memory / space
    202: 503, 203: 503,                                           # too many queries
    394: 500,                                                     # QUERY_WAS_CANCELLED
}

CODE_RE = re.compile(r"^Code: (\d+)\.")
FORMAT_CLAUSE_RE = re.compile(r"\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$", re.IGNORECASE)
INSERT_RE = re.compile(r"^\s*INSERT\b", re.IGNORECASE)
# The first keyword after INSERT INTO t (...) that decides where the data is. Searching for it
# stops near the start of the statement: a multi-megabyte VALUES list is never scanned.
INSERT_DATA_KEYWORD_RE = re.compile(r"\b(FORMAT|VALUES|SELECT|WITH)\b(?:\s+([A-Za-z][A-Za-z0-9_]*))?", re.IGNORECASE)
LEADING_COMMENTS_RE = re.compile(r"^(\s|--[^\n]*\n|/\*.*?\*/)*", re.DOTALL)


class ServerError(Exception):
    """An error to report the way ClickHouse does (code, message)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def engine_error(exc):
    text = str(exc).strip()
    # chDB's Python layer may prefix its own words; keep the engine's text from "Code:" on.
    at = text.find("Code: ")
    if at > 0:
        text = text[at:]
    m = CODE_RE.match(text)
    return ServerError(int(m.group(1)) if m else 1002, text)


# ---------------------------------------------------------------------------------------------
# ClickHouse native compressed blocks: [CityHash128 of the rest][method][compressed size incl.
# the 9-byte header][uncompressed size][payload]; method 0x82 is LZ4, 0x02 none, 0x90 ZSTD.
# ---------------------------------------------------------------------------------------------
NATIVE_BLOCK = 1 << 20


def _require_native_compression():
    if CityHash128 is None:
        raise ServerError(
            36, "Code: 36. DB::Exception: native compression needs the lz4 and clickhouse-cityhash "
                "packages in the chdb venv (run scripts/install.sh --test). (BAD_ARGUMENTS)")


def checksum(block):
    # clickhouse-cityhash returns the 128-bit value with ClickHouse's first 64-bit word on top;
    # on the wire that first word comes first, each word little-endian.
    h = CityHash128(block)
    return struct.pack("<QQ", h >> 64, h & 0xFFFFFFFFFFFFFFFF)


def native_compress(data):
    _require_native_compression()
    out = bytearray()
    for start in range(0, max(len(data), 1), NATIVE_BLOCK):
        chunk = data[start:start + NATIVE_BLOCK]
        if not chunk:
            break
        payload = lz4.block.compress(chunk, store_size=False)
        block = struct.pack("<BII", 0x82, len(payload) + 9, len(chunk)) + payload
        out += checksum(block) + block
    return bytes(out)


def native_decompress(data):
    _require_native_compression()
    out = bytearray()
    pos = 0
    while pos < len(data):
        if len(data) - pos < 25:
            raise ServerError(432, "Code: 432. DB::Exception: truncated compressed block. (UNKNOWN_CODEC)")
        method, csize, usize = struct.unpack_from("<BII", data, pos + 16)
        block = data[pos + 16:pos + 16 + csize]
        if checksum(bytes(block)) != bytes(data[pos:pos + 16]):
            raise ServerError(40, "Code: 40. DB::Exception: Checksum doesn't match: corrupted data. (CHECKSUM_DOESNT_MATCH)")
        payload = bytes(block[9:])
        if method == 0x82:
            out += lz4.block.decompress(payload, uncompressed_size=usize)
        elif method == 0x02:
            out += payload
        else:
            raise ServerError(432, "Code: 432. DB::Exception: unsupported compression method 0x%02x. (UNKNOWN_CODEC)" % method)
        pos += 16 + csize
    return bytes(out)


def http_decode(data, encoding):
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    if encoding == "lz4" and lz4 is not None:
        return lz4.frame.decompress(data)
    raise ServerError(
        432, "Code: 432. DB::Exception: Unknown HTTP content encoding '%s'. (UNKNOWN_CODEC)" % encoding)


# ---------------------------------------------------------------------------------------------
# The engine: one chDB database directory, a chDB connection per distinct settings profile (a
# connection keeps its own session: current database and SET values).
# ---------------------------------------------------------------------------------------------
class Engine:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.connections = {}
        self.sessions = {}
        self._connection(())  # open the database now, so /ping means "ready"

    def _connection(self, settings_key, session_id=None):
        if session_id:
            conn = self.sessions.get(session_id)
            if conn is None:
                conn = self.sessions[session_id] = chdb.connect(self.path)
            return conn
        conn = self.connections.get(settings_key)
        if conn is None:
            conn = chdb.connect(self.path)
            for name, value in settings_key:
                conn.query("SET %s = %s" % (ident(name), quote(value)), "TSV")
            self.connections[settings_key] = conn
        return conn

    def execute(self, sql, insert, data, output_format, database, settings, params, session_id):
        """Runs one statement, or one INSERT fed with data; returns (body bytes, summary dict).

        sql: the statement, or None for an insert; insert: (INSERT head without FORMAT, format)
        or None; data: the insert's bytes in that format."""
        key = tuple(sorted(settings.items()))
        started = time.monotonic()
        with self.lock:
            try:
                conn = self._connection(key, session_id)
                if session_id:
                    for name, value in key:
                        conn.query("SET %s = %s" % (ident(name), quote(value)), "TSV")
                # Each request names its database (or means `default`), whatever ran before.
                conn.query("USE %s" % ident(database or "default"), "TSV")
                if insert is not None:
                    insert_sql, input_format = insert
                    inserter = conn.send_insert(insert_sql, input_format)
                    try:
                        inserter.append(data)
                        res = inserter.finish()
                    except BaseException:
                        inserter.cancel()
                        raise
                    return b"", summary(0, 0, res.rows_written, res.bytes_written, 0, 0, started)
                res = conn._conn.query(sql, output_format, params=params)
            except ServerError:
                raise
            except Exception as e:  # chDB raises RuntimeError/ChdbError carrying the engine's text
                raise engine_error(e)
        body = res.bytes()
        return body, summary(res.rows_read(), res.bytes_read(), res.rows_written(),
                             res.bytes_written(), body_rows_hint(res), len(body), started)

    def close(self):
        with self.lock:
            for conn in list(self.connections.values()) + list(self.sessions.values()):
                try:
                    conn.close()
                except Exception:
                    pass


def body_rows_hint(res):
    # chDB exposes no "result rows" counter; report the rows read, as a server does for plain selects.
    return res.rows_read()


def summary(read_rows, read_bytes, written_rows, written_bytes, result_rows, result_bytes, started):
    return {
        "read_rows": str(read_rows), "read_bytes": str(read_bytes),
        "written_rows": str(written_rows), "written_bytes": str(written_bytes),
        "total_rows_to_read": str(read_rows), "result_rows": str(result_rows),
        "result_bytes": str(result_bytes),
        "elapsed_ns": str(int((time.monotonic() - started) * 1e9)),
    }


def ident(name):
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise ServerError(36, "Code: 36. DB::Exception: Bad identifier '%s'. (BAD_ARGUMENTS)" % name)
    return name


def quote(value):
    if re.match(r"^-?[0-9]+(\.[0-9]+)?$", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------------------------------------
# Splitting a request into a statement and insert data, as ClickHouse's HTTP handler does.
# ---------------------------------------------------------------------------------------------
def insert_format(text):
    """For `INSERT ... FORMAT <fmt>` returns (head without FORMAT, fmt, end of the format name);
    None for any other statement (VALUES and INSERT ... SELECT run as plain queries)."""
    if not INSERT_RE.match(text):
        return None
    m = INSERT_DATA_KEYWORD_RE.search(text)
    if not m or m.group(1).upper() != "FORMAT" or not m.group(2) or m.group(2).lower() == "values":
        return None
    return text[:m.start()].rstrip(), m.group(2), m.end(2)


def split_insert(query_text, body):
    """Returns (statement, (insert head, format) or None, data bytes or None)."""
    if query_text is not None:
        head = LEADING_COMMENTS_RE.sub("", query_text, count=1)
        found = insert_format(head)
        if found and not head[found[2]:].strip():
            # INSERT ... FORMAT X in the URL, the data is the body.
            return None, (found[0], found[1]), body
        text = query_text + (("\n" + body.decode("utf-8")) if body else "")
    else:
        text = body.decode("utf-8", errors="surrogateescape")
    head = LEADING_COMMENTS_RE.sub("", text, count=1)
    found = insert_format(head)
    if found:
        # Inline data follows the format name after one whitespace character (or CR LF).
        raw = head.encode("utf-8", errors="surrogateescape")
        start = len(head[:found[2]].encode("utf-8", errors="surrogateescape"))
        if raw[start:start + 2] == b"\r\n":
            start += 2
        elif raw[start:start + 1] in (b" ", b"\n", b"\t", b"\r"):
            start += 1
        return None, (found[0], found[1]), raw[start:]
    return text, None, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds ~40 ms.
    disable_nagle_algorithm = True
    server_version = "chdb-http"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet unless --log-requests
        if self.server.log_requests:
            sys.stderr.write("chdb-http: " + (fmt % args) + "\n")

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/ping" or (path == "/" and "query=" not in self.path):
            return self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"}, head)
        if path == "/":
            return self._handle(readonly=True)
        return self._send(404, b"There is no handle " + path.encode() + b"\n", {}, head)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != "/":
            self._read_body()
            return self._send(404, b"There is no handle " + path.encode() + b"\n", {})
        return self._handle(readonly=False)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self, readonly):
        query_id = None
        try:
            url = urllib.parse.urlsplit(self.path)
            pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
            qp = dict(pairs)
            body = self._read_body()
            if self.server.log_requests:
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization",)}
                sys.stderr.write("chdb-http: %s %s headers=%s body=%r\n" % (
                    self.command, self.path, json.dumps(hdrs), body[:300]))
            body = http_decode(body, self.headers.get("Content-Encoding"))
            if qp.get("decompress") in ("1", "true"):
                body = native_decompress(body)
            query_id = qp.get("query_id") or self.headers.get("X-ClickHouse-Query-Id") or str(uuid.uuid4())
            database = qp.get("database") or self.headers.get("X-ClickHouse-Database") or ""
            fmt = (self.headers.get("X-ClickHouse-Format") or qp.get("default_format")
                   or "TabSeparated")
            params = {k[len("param_"):]: v for k, v in pairs if k.startswith("param_")}
            settings = {k: v for k, v in pairs
                        if k not in PROTOCOL_PARAMS and not k.startswith("param_")
                        and k not in TRANSPORT_SETTINGS}
            if readonly:
                settings.setdefault("readonly", "2")
            statement, insert, data = split_insert(qp.get("query"), body)
            if statement is not None and not statement.strip():
                raise ServerError(62, "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)")
            effective_format = fmt
            if statement is not None:
                m = FORMAT_CLAUSE_RE.search(statement)
                if m:
                    effective_format = m.group(1)
            out, stats = self.server.engine.execute(
                statement, insert, data, fmt, database, settings, params, qp.get("session_id"))
            headers = {
                "Content-Type": content_type(effective_format),
                "X-ClickHouse-Format": effective_format,
                "X-ClickHouse-Query-Id": query_id,
                "X-ClickHouse-Timezone": "UTC",
                "X-ClickHouse-Server-Display-Name": "chdb-http",
                "X-ClickHouse-Summary": json.dumps(stats, separators=(",", ":")),
            }
            if qp.get("session_id"):
                headers["X-ClickHouse-Session-Id"] = qp["session_id"]
            if qp.get("compress") in ("1", "true"):
                out = native_compress(out)
            elif qp.get("enable_http_compression") in ("1", "true"):
                accept = self.headers.get("Accept-Encoding", "").lower()
                if "gzip" in accept:
                    out, headers["Content-Encoding"] = gzip.compress(out), "gzip"
                elif "deflate" in accept:
                    out, headers["Content-Encoding"] = zlib.compress(out), "deflate"
                elif "lz4" in accept and lz4 is not None:
                    out, headers["Content-Encoding"] = lz4.frame.compress(out), "lz4"
            self._send(200, out, headers)
        except ServerError as e:
            self._error(e, query_id)
        except (ValueError, UnicodeDecodeError) as e:
            self._error(ServerError(27, "Code: 27. DB::Exception: Cannot parse request: %s. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)" % e), query_id)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # a bug here must still answer, as the server's STD_EXCEPTION would
            self._error(ServerError(1001, "Code: 1001. DB::Exception: chdb-http: %s: %s. (STD_EXCEPTION)"
                                    % (type(e).__name__, e)), query_id)

    def _error(self, err, query_id):
        text = err.message
        if "(version " not in text:
            text += " (version %s)" % ENGINE_VERSION
        headers = {
            "Content-Type": "text/plain; charset=UTF-8",
            "X-ClickHouse-Exception-Code": str(err.code),
            "X-ClickHouse-Server-Display-Name": "chdb-http",
        }
        if query_id:
            headers["X-ClickHouse-Query-Id"] = query_id
        self._send(HTTP_STATUS_BY_CODE.get(err.code, 500), (text + "\n").encode("utf-8"), headers)

    def _send(self, status, body, headers, head=False):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", "timeout=10")
        self.end_headers()
        if not head:
            self.wfile.write(body)


def content_type(fmt):
    f = fmt.lower()
    if f.startswith("json"):
        return "application/json; charset=UTF-8"
    if f.startswith(("tabseparated", "tsv", "csv", "pretty", "values", "vertical", "markdown")):
        return "text/plain; charset=UTF-8"
    return "application/octet-stream"


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client closing its keep-alive connection is normal; anything else is worth a trace.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", required=True, help="chDB database directory (kept across restarts)")
    ap.add_argument("--log-requests", action="store_true", help="log each request to stderr")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="exit when the process that started this one dies (a test JVM killed hard)")
    args = ap.parse_args()

    engine = Engine(args.path)
    server = Server((args.host, args.port), Handler)
    server.engine = engine
    server.log_requests = args.log_requests

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        parent = os.getppid()

        def watch_parent():
            while os.getppid() == parent:
                time.sleep(1)
            stop(None, None)

        threading.Thread(target=watch_parent, daemon=True).start()
    print("chdb-http listening on %s:%d engine %s" % (args.host, server.server_address[1],
                                                       ENGINE_VERSION), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        engine.close()


if __name__ == "__main__":
    main()
