/*
 * webhook-sink: the application side of the relay benchmark with webhooks on, as Postfix's smtp-sink is its MX
 * side. A minimal HTTP/1.1 server that reads each request, discards the body, answers with an empty response
 * (204 by default) and counts what it saw, at a few microseconds of CPU per request, so that the benchmark
 * measures Rebound's webhook overhead and not the receiver's (the JDK's HttpServer costs ~100 us per request,
 * on the same cores as the service it is meant to measure). A bench tool, not a web server.
 *
 * Message framing per RFC 9112: request-line (section 3) and field lines (section 5) ending in CRLF, the header
 * block ending with an empty line, the body delimited by Content-Length (section 6.2; a request without it has
 * none, section 6.3). One thread, epoll (level triggered), non-blocking sockets, persistent connections (section 9.3;
 * HTTP/1.0 only with "Connection: keep-alive"), pipelined requests answered in order (section 9.3.2). Strict and
 * capped: a header block over 16 KiB is answered 431, a body over 1 MiB 413, any Transfer-Encoding 501 (chunked
 * is not read here), anything malformed (request line, field line, obs-fold, whitespace before the colon, bad or
 * conflicting Content-Length, no or several Host fields in HTTP/1.1) 400; each of those closes the connection.
 * "Connection: close" closes it after the answer. A 204 carries no Content-Length (RFC 9110 section 8.6).
 *
 * Usage: webhook-sink [-l HOST:PORT] [-s STATUS] [-c FILE]
 *   -l  listen address (default 127.0.0.1:9099)    -s  status of every answer, 200-599 (default 204)
 *   -c  counters file, written (atomically) on SIGUSR1 and at exit on SIGTERM/SIGINT; stdout without -c
 * Counters, key=value: requests, bytes_in, body_bytes, rejected, connections, open_connections, cpu_user_us,
 * cpu_sys_us, and path:TARGET=N per request target without its query (32 distinct, the rest in path_other).
 * Build: gcc -O2 -Wall -Wextra -o webhook-sink webhook-sink.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024)
#define BODY_MAX (1024L * 1024)
#define OUT_MAX 8192
#define PATHS 32
enum { HEAD, BODY, CLOSING, DRAIN };

struct conn {
    int fd, st, close_after, http10, path, mask;
    long body_left, drained;
    size_t in_len, out_len, out_off;
    char in[HEAD_MAX], out[OUT_MAX];
};

static unsigned long long n_req, n_bytes, n_body, n_rejected, n_conn, n_open, path_n[PATHS + 1];
static char path_name[PATHS][128];
static int n_paths, status = 204, ep;
static const char *counters_file;

static const char *reason(int s) {
    switch (s) {
    case 200: return "OK"; case 202: return "Accepted"; case 204: return "No Content";
    case 400: return "Bad Request"; case 404: return "Not Found"; case 413: return "Content Too Large";
    case 429: return "Too Many Requests"; case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error"; case 501: return "Not Implemented";
    case 503: return "Service Unavailable"; default: return "";
    }
}

static void reply(struct conn *c, int s, int close) {
    c->out_len += snprintf(c->out + c->out_len, OUT_MAX - c->out_len, "HTTP/1.1 %d %s\r\n%s%s\r\n", s, reason(s),
                           s == 204 ? "" : "Content-Length: 0\r\n",
                           close ? "Connection: close\r\n" : c->http10 ? "Connection: keep-alive\r\n" : "");
    if (close) c->st = CLOSING;
}

static int path_index(const char *t, size_t n) {   /* request target up to '?', 127 octets at most, '=' as '_' */
    char p[128];
    const char *q = memchr(t, '?', n);
    if (q) n = q - t;
    if (n > 127) n = 127;
    for (size_t i = 0; i < n; i++) p[i] = t[i] == '=' ? '_' : t[i];
    p[n] = 0;
    for (int i = 0; i < n_paths; i++)
        if (!strcmp(path_name[i], p)) return i;
    if (n_paths == PATHS) return PATHS;
    memcpy(path_name[n_paths], p, n + 1);
    return n_paths++;
}

static int tchar(int ch) { return ch > 32 && ch < 127 && !strchr("\"(),/:;<=>?@[\\]{}", ch); }

/* Parses one header block [p, p+len) (without its final CRLF CRLF); returns 0 or the status to refuse with. */
static int parse_head(struct conn *c, char *p, size_t len) {
    char *end = p + len, *eol = memmem(p, len, "\r\n", 2), *sp1, *sp2;
    if (!eol) eol = end;
    size_t i = 0;
    while (p + i < eol && tchar((unsigned char)p[i])) i++;
    if (i == 0 || p + i >= eol || p[i] != ' ') return 400;
    sp1 = p + i;
    for (sp2 = sp1 + 1; sp2 < eol && *sp2 > 32 && *sp2 < 127; sp2++) {}
    if (sp2 == sp1 + 1 || sp2 + 9 != eol || *sp2 != ' ' || memcmp(sp2 + 1, "HTTP/1.", 7)
        || (sp2[8] != '0' && sp2[8] != '1'))
        return 400;
    int http11 = sp2[8] == '1', hosts = 0, keep = http11, close = 0, cont = 0;
    long cl = -1;
    for (char *l = eol + 2; l < end; l = eol + 2) {
        eol = memmem(l, end - l, "\r\n", 2);
        if (!eol) eol = end;
        char *colon = l;
        while (colon < eol && tchar((unsigned char)*colon)) colon++;
        if (colon == l || colon == eol || *colon != ':') return 400;   /* also obs-fold and space before ':' */
        char *v = colon + 1, *ve = eol;
        for (char *x = v; x < ve; x++) if ((unsigned char)*x < 32 && *x != '\t') return 400;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        size_t nl = colon - l, vl = ve - v;
        if (nl == 4 && !strncasecmp(l, "host", 4)) hosts++;
        else if (nl == 17 && !strncasecmp(l, "transfer-encoding", 17)) return 501;
        else if (nl == 14 && !strncasecmp(l, "content-length", 14)) {
            long n = 0;
            if (vl == 0 || vl > 9) return vl > 9 && strspn(v, "0123456789") >= vl ? 413 : 400;
            for (size_t k = 0; k < vl; k++) {
                if (v[k] < '0' || v[k] > '9') return 400;
                n = n * 10 + (v[k] - '0');
            }
            if (cl >= 0 && cl != n) return 400;
            cl = n;
        } else if (nl == 10 && !strncasecmp(l, "connection", 10)) {
            for (char *t = v; t < ve;) {   /* comma-separated tokens */
                char *te = memchr(t, ',', ve - t);
                if (!te) te = ve;
                char *a = t, *b = te;
                while (a < b && (*a == ' ' || *a == '\t')) a++;
                while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
                if (b - a == 5 && !strncasecmp(a, "close", 5)) close = 1;
                if (b - a == 10 && !strncasecmp(a, "keep-alive", 10)) keep = 1;
                t = te + 1;
            }
        } else if (nl == 6 && !strncasecmp(l, "expect", 6) && vl == 12 && !strncasecmp(v, "100-continue", 12))
            cont = 1;
    }
    if (http11 && hosts != 1) return 400;
    if (cl > BODY_MAX) return 413;
    if (cont && http11 && cl > 0)   /* RFC 9110 10.1.1 */
        c->out_len += snprintf(c->out + c->out_len, OUT_MAX - c->out_len, "HTTP/1.1 100 Continue\r\n\r\n");
    c->close_after = close || !keep;
    c->http10 = !http11;
    c->body_left = cl < 0 ? 0 : cl;
    c->path = path_index(sp1 + 1, sp2 - sp1 - 1);
    return 0;
}

/* Answers every complete request in the input buffer while there is room for the answers. */
static void process(struct conn *c) {
    size_t off = 0;
    while ((c->st == HEAD || c->st == BODY) && c->out_len + 256 <= OUT_MAX) {
        if (c->st == BODY) {
            size_t k = c->in_len - off < (size_t)c->body_left ? c->in_len - off : (size_t)c->body_left;
            off += k, c->body_left -= k, n_body += k;
            if (c->body_left) break;
            n_req++, path_n[c->path]++;
            reply(c, status, c->close_after);
            if (c->st == BODY) c->st = HEAD;
            continue;
        }
        while (c->in_len - off >= 2 && c->in[off] == '\r' && c->in[off + 1] == '\n') off += 2;  /* RFC 9112 2.2 */
        char *e = memmem(c->in + off, c->in_len - off, "\r\n\r\n", 4);
        if (!e) {
            if (c->in_len - off == HEAD_MAX) n_rejected++, reply(c, 431, 1);
            break;
        }
        int s = parse_head(c, c->in + off, e - (c->in + off));
        off = e + 4 - c->in;
        if (s) { n_rejected++, reply(c, s, 1); break; }
        c->st = BODY;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
}

static void drop(struct conn *c) { close(c->fd); n_open--; free(c); }

/* Reads, answers and writes what it can; returns 0 when the connection is gone. */
static int serve(struct conn *c, unsigned events) {
    if (events & EPOLLERR) { drop(c); return 0; }
    int eof = 0;
    while (!eof) {
        if (c->st == CLOSING || (c->st != DRAIN && c->in_len == HEAD_MAX)) break;
        char scratch[4096];
        char *dst = c->st == DRAIN ? scratch : c->in + c->in_len;
        size_t room = c->st == DRAIN ? sizeof scratch : HEAD_MAX - c->in_len;
        ssize_t r = read(c->fd, dst, room);
        if (r > 0) {
            n_bytes += r;
            if (c->st == DRAIN && (c->drained += r) > 65536) eof = 1;
            if (c->st == DRAIN) continue;
            c->in_len += r;
            process(c);
            if ((size_t)r < room) break;   /* all there was: level-triggered epoll reports what comes later */
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) eof = 1;
        else if (errno == EAGAIN) break;
    }
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) c->out_off += w;
        else if (w < 0 && errno == EINTR) continue;
        else if (w < 0 && errno == EAGAIN) break;
        else { drop(c); return 0; }
    }
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (c->st == CLOSING) { shutdown(c->fd, SHUT_WR); c->st = DRAIN; }
        else if (!eof && (c->st == HEAD || c->st == BODY)) process(c);   /* input held back for want of room */
    }
    if (eof && c->out_off < c->out_len && c->st != DRAIN) eof = 0, c->st = CLOSING;   /* answer a half-close */
    if (eof || (c->st == DRAIN && (events & EPOLLHUP))) { drop(c); return 0; }
    int mask = (c->out_off < c->out_len ? EPOLLOUT : 0)
             | (c->st == DRAIN || (c->st != CLOSING && c->in_len < HEAD_MAX) ? EPOLLIN : 0);
    if (mask != c->mask) {
        struct epoll_event ev = { .events = mask, .data.ptr = c };
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->mask = mask;
    }
    return 1;
}

static void write_counters(void) {
    char tmp[4096];
    FILE *f = stdout;
    if (counters_file) {
        snprintf(tmp, sizeof tmp, "%s.tmp", counters_file);
        if (!(f = fopen(tmp, "w"))) { perror(tmp); return; }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(f, "requests=%llu\nbytes_in=%llu\nbody_bytes=%llu\nrejected=%llu\nconnections=%llu\nopen_connections=%llu\n"
            "cpu_user_us=%lld\ncpu_sys_us=%lld\n", n_req, n_bytes, n_body, n_rejected, n_conn, n_open,
            (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
    for (int i = 0; i < n_paths; i++) fprintf(f, "path:%s=%llu\n", path_name[i], path_n[i]);
    if (path_n[PATHS]) fprintf(f, "path_other=%llu\n", path_n[PATHS]);
    if (counters_file) {
        if (fclose(f) != 0 || rename(tmp, counters_file) != 0) perror(counters_file);
    } else fflush(f);
}

static void usage(void) {
    fprintf(stderr, "usage: webhook-sink [-l HOST:PORT] [-s STATUS 200-599] [-c COUNTERS_FILE]\n");
    exit(2);
}

int main(int argc, char **argv) {
    char addr[256] = "127.0.0.1:9099";
    int opt;
    while ((opt = getopt(argc, argv, "l:s:c:h")) != -1) {
        if (opt == 'l' && strlen(optarg) < sizeof addr) strcpy(addr, optarg);
        else if (opt == 's' && strspn(optarg, "0123456789") == 3 && !optarg[3] && (status = atoi(optarg)) >= 200
                 && status <= 599) continue;
        else if (opt == 'c') counters_file = optarg;
        else usage();
    }
    if (optind != argc) usage();
    char *colon = strrchr(addr, ':'), *host = addr;
    if (!colon) usage();
    *colon = 0;
    if (*host == '[' && colon[-1] == ']') host++, colon[-1] = 0;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
    int e = getaddrinfo(host, colon + 1, &hints, &ai);
    if (e) { fprintf(stderr, "webhook-sink: %s:%s: %s\n", host, colon + 1, gai_strerror(e)); return 2; }
    int one = 1, lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 1024)) {
        fprintf(stderr, "webhook-sink: cannot listen on %s:%s: %s\n", host, colon + 1, strerror(errno));
        return 1;
    }
    freeaddrinfo(ai);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1), sigaddset(&set, SIGTERM), sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK);
    static int listen_tag, signal_tag;
    if (sfd < 0 || (ep = epoll_create1(0)) < 0) { perror("webhook-sink: signalfd/epoll"); return 1; }
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listen_tag }, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.ptr = &signal_tag;
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR) { perror("epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &signal_tag) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si) {
                    write_counters();
                    if (si.ssi_signo != SIGUSR1) return 0;
                }
            } else if (evs[i].data.ptr == &listen_tag) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct conn *c = calloc(1, sizeof *c);
                    if (!c) { close(fd); continue; }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c->fd = fd, c->mask = EPOLLIN, n_conn++, n_open++;
                    struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
            } else serve(evs[i].data.ptr, evs[i].events);
        }
    }
}
