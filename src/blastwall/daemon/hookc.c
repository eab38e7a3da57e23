/* blastwall-hook: the hook command in C, for the agent's hot path.

       blastwall-hook PYTHON PATH... -- AGENT [--timeout N] < payload.json
       blastwall-hook --socket PYTHON PATH... -- AGENT     the daemon's socket it would ask (exit 1: none)

   It does what `python -I -S -c '...blastwall.cli.hook...' AGENT` does when the warm checker
   (blastwall.daemon) is running, without starting an interpreter: it finds the daemon's socket
   the way blastwall/daemon/place.py does, sends the call in the daemon's protocol
   (blastwall/daemon/wire.py), and prints the answer. Anything else becomes that Python client,
   exec'd in this process with the same arguments and the payload already read
   (`fallback`): no daemon, `BLASTWALL_DAEMON=off`, an environment it does not reproduce byte
   for byte, a refusal, a daemon that went away. The Python client then starts the daemon and
   checks in-process, or blocks, as it always does. The only answer this program makes up is a
   blocking one: a check that did not finish by its deadline, a signal, an answer it cannot print,
   and, with BLASTWALL_HOOK_FALLBACK=block (doctor's and the tests' proof that the warm path
   answers), any fallback.

   Exit codes: the daemon's (0 or 2; any other becomes 2), or 2. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define WIRE_VERSION 1
#define ACCEPT_S 0.5
#define GRACE_S 0.5
#define HOOK_DEADLINE_S 25.0
#define MAX_EXTEND_S 600.0
#define MAX_PAYLOAD (8 * 1024 * 1024 + 1)
#define MAX_MSG (1024 * 1024)
#define MAX_ERR_CHARS 2000
#define MAX_SUN_PATH 103
#define SYSTEM_CONFIG "/etc/blastwall/system.toml"
#define SYSTEM_RUN_DIR "/run/blastwall"
#define SYSTEM_SOCKET "/run/blastwall/hook.sock"

/* The Python client, started the way doors/hook_command.py starts it, with its sys.path given as
   arguments: `python -I -S -c CODE PATH... -- AGENT ...`. */
static const char FALLBACK_CODE[] =
    "import sys; i = sys.argv.index('--'); sys.path[:0] = sys.argv[1:i]; del sys.argv[1:i + 1]; "
    "from blastwall.cli.hook import main; main()";

static const char *const AGENTS[] = {"claude-code", "cursor", "gemini", "codex", "opencode", NULL};
static const char *const KEY_PREFIXES[] = {"BLASTWALL_", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME",
                                           "XDG_CACHE_HOME", NULL};
static const char *const NOT_KEYED[] = {"BLASTWALL_ENVIRONMENT", "BLASTWALL_DAEMON", "BLASTWALL_DAEMON_IDLE",
                                        "BLASTWALL_DEBUG", "BLASTWALL_HOOK_FALLBACK", NULL};

static char **fallback_argv;
static const char *python;
static unsigned char *payload;
static size_t payload_len;
static int payload_read;

/* --- output ---------------------------------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void write_str(int fd, const char *s) { (void)write_all(fd, s, strlen(s)); }

static _Noreturn void block(const char *why) {
    write_str(2, "blastwall blocked this tool call: ");
    write_str(2, why);
    write_str(2, "; a human must review it.\n");
    _exit(2);
}

static void on_signal(int signum) {
    char msg[200];
    int n = snprintf(msg, sizeof msg,
                     "blastwall blocked this tool call because it could not check it (stopped by signal %d); a human "
                     "should run `blastwall doctor` and retry.\n", signum);
    if (n > 0) (void)write_all(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    _exit(2);
}

/* --- the Python client ------------------------------------------------------------------------ */

static _Noreturn void fallback(void) {
    const char *mode = getenv("BLASTWALL_HOOK_FALLBACK"); /* "block": prove the warm path (doctor, tests) */
    if (mode && strcmp(mode, "block") == 0)
        block("the hook client in C did not get an answer from the warm checker (BLASTWALL_HOOK_FALLBACK=block)");
    if (payload_read) { /* give the Python client the payload this process already read */
        int fd = -1;
#ifdef MFD_CLOEXEC
        fd = memfd_create("blastwall-hook-payload", 0);
#endif
        if (fd < 0) {
            char tmpl[] = "/tmp/blastwall-hook-XXXXXX";
            fd = mkstemp(tmpl);
            if (fd >= 0) unlink(tmpl);
        }
        if (fd < 0 || write_all(fd, payload, payload_len) < 0 || lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) < 0)
            block("the in-process check could not be given the tool call");
        if (fd != 0) close(fd);
    }
    execv(python, fallback_argv);
    block("the in-process check could not be started (the interpreter in the hook command is gone; run "
          "`blastwall install` again)");
}

/* --- SHA-256 (the daemon's key; FIPS 180-4) --------------------------------------------------- */

typedef struct {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t fill;
} sha256_t;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_t *s, const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(sha256_t *s) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->fill = 0;
}

static void sha256_update(sha256_t *s, const void *data, size_t len) {
    const unsigned char *p = data;
    s->len += len;
    while (len) {
        size_t take = 64 - s->fill < len ? 64 - s->fill : len;
        memcpy(s->buf + s->fill, p, take);
        s->fill += take, p += take, len -= take;
        if (s->fill == 64) {
            sha256_block(s, s->buf);
            s->fill = 0;
        }
    }
}

static void sha256_hex(sha256_t *s, char out[65]) {
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80, zero = 0, lenb[8];
    sha256_update(s, &pad, 1);
    while (s->fill != 56) sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, lenb, 8);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", (unsigned)(s->h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
}

/* --- text ------------------------------------------------------------------------------------- */

/* The next code point of UTF-8 `s` (surrogates allowed: Python's "surrogatepass"), or -1. */
static long utf8_next(const unsigned char *s, size_t len, size_t *pos) {
    size_t i = *pos;
    unsigned char c = s[i];
    long cp;
    int more;
    if (c < 0x80) {
        *pos = i + 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) cp = c & 0x1f, more = 1;
    else if (c >= 0xe0 && c <= 0xef) cp = c & 0x0f, more = 2;
    else if (c >= 0xf0 && c <= 0xf4) cp = c & 0x07, more = 3;
    else return -1;
    if (i + (size_t)more >= len) return -1;
    for (int k = 1; k <= more; k++) {
        if ((s[i + k] & 0xc0) != 0x80) return -1;
        cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff))) return -1;
    *pos = i + (size_t)more + 1;
    return cp;
}

static int valid_utf8(const char *s) {
    size_t len = strlen(s), pos = 0;
    while (pos < len) {
        long cp = utf8_next((const unsigned char *)s, len, &pos);
        if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff)) return 0; /* os.environ would hold surrogateescapes */
    }
    return 1;
}

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const void *data, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) block("out of memory");
        b->data = p, b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void buf_u32(buf_t *b, uint32_t v) {
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v};
    buf_add(b, be, 4);
}

/* One field of a wire message: key, then a tagged value. */
static void field(buf_t *b, const char *key, char tag, const void *value, size_t len) {
    buf_u32(b, (uint32_t)strlen(key));
    buf_add(b, key, strlen(key));
    buf_u32(b, (uint32_t)len + 1);
    buf_add(b, &tag, 1);
    if (len) buf_add(b, value, len);
}

static void field_str(buf_t *b, const char *key, const char *value) { field(b, key, 's', value, strlen(value)); }

/* `out` made ASCII JSON: every other code point as \uXXXX (a surrogate pair past U+FFFF), as
   json.dumps(..., ensure_ascii=True) writes it. -1 when `out` is not UTF-8. */
static int ascii_json(const unsigned char *s, size_t len, buf_t *out) {
    size_t pos = 0;
    while (pos < len) {
        long cp = utf8_next(s, len, &pos);
        char esc[32];
        if (cp < 0) return -1;
        if (cp < 0x80) {
            char ch = (char)cp;
            buf_add(out, &ch, 1);
        } else if (cp < 0x10000) {
            snprintf(esc, sizeof esc, "\\u%04lx", cp);
            buf_add(out, esc, 6);
        } else {
            unsigned v = (unsigned)(cp - 0x10000);
            snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xd800u + (v >> 10), 0xdc00u + (v & 0x3ffu));
            buf_add(out, esc, 12);
        }
    }
    return 0;
}

/* `err` as the Python client prints it: capped at MAX_ERR_CHARS characters, then ASCII with
   backslash escapes ("backslashreplace"). Bytes that are not UTF-8 are escaped as \xNN. */
static void ascii_text(const unsigned char *s, size_t len, buf_t *out) {
    size_t pos = 0, chars = 0, total = 0, p2 = 0;
    while (p2 < len) { /* count characters first: the cap applies only past MAX_ERR_CHARS */
        if (utf8_next(s, len, &p2) < 0) p2++;
        total++;
    }
    while (pos < len) {
        char esc[16];
        int n;
        if (total > MAX_ERR_CHARS && chars == MAX_ERR_CHARS) {
            buf_add(out, "...\n", 4);
            return;
        }
        long cp = utf8_next(s, len, &pos);
        chars++;
        if (cp < 0) cp = s[pos++];
        if (cp < 0x80) {
            char ch = (char)cp;
            buf_add(out, &ch, 1);
            continue;
        }
        n = cp < 0x100 ? snprintf(esc, sizeof esc, "\\x%02lx", cp)
            : cp < 0x10000 ? snprintf(esc, sizeof esc, "\\u%04lx", cp) : snprintf(esc, sizeof esc, "\\U%08lx", cp);
        buf_add(out, esc, (size_t)n);
    }
}

/* --- where the daemon listens (blastwall/daemon/place.py) --------------------------------------- */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static int in_list(const char *s, size_t len, const char *const *list) {
    for (; *list; list++)
        if (strlen(*list) == len && strncmp(s, *list, len) == 0) return 1;
    return 0;
}

static int is_private_dir(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() && !(st.st_mode & 077);
}

static int by_key(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
    int c = memcmp(x, y, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

/* The environment entries, sorted by name; NULL when an entry is one the Python client would see
   differently (no "=", not UTF-8, a name given twice). */
static char **sorted_env(size_t *count) {
    size_t n = 0;
    for (char **e = environ; *e; e++) n++;
    char **out = malloc((n + 1) * sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strchr(environ[i], '=') || environ[i][0] == '=' || !valid_utf8(environ[i])) return free(out), NULL;
        out[i] = environ[i];
    }
    qsort(out, n, sizeof *out, by_key);
    for (size_t i = 1; i < n; i++)
        if (by_key(&out[i - 1], &out[i]) == 0) return free(out), NULL;
    out[n] = NULL;
    *count = n;
    return out;
}

/* daemon_key(): the daemon serving this interpreter, package and blastwall's environment. */
static int daemon_key(char **env, size_t n, const char *here, char key[21]) {
    char real[PATH_MAX], hex[65];
    sha256_t s;
    if (!realpath(python, real) || !valid_utf8(real) || !valid_utf8(here)) return -1;
    sha256_init(&s);
    sha256_update(&s, real, strlen(real));
    sha256_update(&s, "\0", 1);
    sha256_update(&s, here, strlen(here));
    for (size_t i = 0; i < n; i++) {
        const char *e = env[i];
        size_t klen = strcspn(e, "=");
        int keyed = (klen == 4 && strncmp(e, "HOME", 4) == 0);
        for (const char *const *p = KEY_PREFIXES; !keyed && *p; p++)
            keyed = klen >= strlen(*p) && strncmp(e, *p, strlen(*p)) == 0;
        if (!keyed || in_list(e, klen, NOT_KEYED)) continue;
        sha256_update(&s, "\0", 1);
        sha256_update(&s, e, strlen(e));
    }
    sha256_hex(&s, hex);
    memcpy(key, hex, 20);
    key[20] = 0;
    return 0;
}

/* The user-level daemon's socket; -1 when the Python client must decide (a folder it would create). */
static int user_socket(char **env, size_t n, const char *pkgroot, char *sock, size_t size) {
    char folder[PATH_MAX], here[PATH_MAX], key[21];
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    folder[0] = 0;
    if (runtime && runtime[0] == '/' && strlen(runtime) + strlen("/blastwall/") + 25 <= MAX_SUN_PATH) {
        struct stat st;
        if (stat(runtime, &st) == 0 && st.st_uid == getuid()) {
            snprintf(folder, sizeof folder, "%s/blastwall", runtime);
            if (lstat(folder, &st) != 0) return -1; /* the Python client would create it there */
            if (!is_private_dir(folder)) folder[0] = 0;
        }
    }
    if (!folder[0]) {
        snprintf(folder, sizeof folder, "/tmp/blastwall-%u", (unsigned)getuid());
        if (!is_private_dir(folder)) return -1;
    }
    if ((size_t)snprintf(here, sizeof here, "%s/blastwall", pkgroot) >= sizeof here) return -1;
    if (daemon_key(env, n, here, key) < 0) return -1;
    if ((size_t)snprintf(sock, size, "%s/%s.sock", folder, key) >= size) return -1;
    return 0;
}

static int system_mode(void) {
    struct stat st;
    return lstat(SYSTEM_CONFIG, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0;
}

static int connect_to(const char *path, int system) {
    struct stat st;
    struct sockaddr_un addr;
    if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) return -1;
    if (!system && st.st_uid != getuid()) return -1; /* not ours: never ask a checker someone else runs */
    if (system) {
        struct stat dir;
        if (lstat(SYSTEM_RUN_DIR, &dir) != 0) return -1;
        if (dir.st_uid != 0) {
            struct passwd *pw = getpwuid(dir.st_uid);
            if (!pw || strcmp(pw->pw_name, "blastwall") != 0) return -1;
        }
    }
    if (strlen(path) >= sizeof addr.sun_path) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { /* refused, stale, a full backlog */
        close(fd);
        return -1;
    }
    return fd;
}

/* --- the protocol ----------------------------------------------------------------------------- */

static int wait_fd(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - now();
        if (left <= 0) return 0;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return -1;
    }
}

static int send_all(int fd, const char *data, size_t len, double deadline) {
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            data += n, len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline) == 1) continue;
        return -1;
    }
    return 0;
}

/* 0, -1 when the connection broke, -2 at the deadline. */
static int recv_exact(int fd, unsigned char *into, size_t len, double deadline) {
    while (len) {
        ssize_t n = recv(fd, into, len, 0);
        if (n > 0) {
            into += n, len -= (size_t)n;
            continue;
        }
        if (n == 0) return -1;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        int w = wait_fd(fd, POLLIN, deadline);
        if (w == 0) return -2;
        if (w < 0) return -1;
    }
    return 0;
}

typedef struct {
    char t[16];
    long code;
    double s;
    const unsigned char *out, *err;
    size_t out_len, err_len;
} msg_t;

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read one message into `m` (its text fields point into `*frame`, which the caller frees). */
static int recv_msg(int fd, double deadline, unsigned char **frame, msg_t *m) {
    unsigned char head[4];
    int r = recv_exact(fd, head, 4, deadline);
    if (r) return r;
    uint32_t size = be32(head);
    if (size > MAX_MSG) return -1;
    free(*frame);
    *frame = malloc(size ? size : 1);
    if (!*frame) return -1;
    if ((r = recv_exact(fd, *frame, size, deadline))) return r;
    memset(m, 0, sizeof *m);
    m->code = 2;
    const unsigned char *p = *frame, *end = *frame + size;
    while (p < end) {
        const unsigned char *fields[2];
        uint32_t lens[2];
        for (int k = 0; k < 2; k++) {
            if (end - p < 4) return -1;
            lens[k] = be32(p);
            p += 4;
            if ((size_t)(end - p) < lens[k]) return -1;
            fields[k] = p;
            p += lens[k];
        }
        const char *key = (const char *)fields[0];
        const unsigned char *v = fields[1] + 1;
        size_t klen = lens[0], vlen = lens[1] ? lens[1] - 1 : 0;
        char tag = lens[1] ? (char)fields[1][0] : 0, num[64];
        if (tag == 'i' || tag == 'f') {
            if (vlen >= sizeof num) return -1;
            memcpy(num, v, vlen);
            num[vlen] = 0;
        }
        if (klen == 1 && key[0] == 't' && tag == 's' && vlen < sizeof m->t) {
            memcpy(m->t, v, vlen);
            m->t[vlen] = 0;
        } else if (klen == 4 && !memcmp(key, "code", 4) && tag == 'i') {
            m->code = strtol(num, NULL, 10);
        } else if (klen == 1 && key[0] == 's' && (tag == 'f' || tag == 'i')) {
            m->s = strtod(num, NULL);
        } else if (klen == 3 && !memcmp(key, "out", 3) && tag == 's') {
            m->out = v, m->out_len = vlen;
        } else if (klen == 3 && !memcmp(key, "err", 3) && tag == 's') {
            m->err = v, m->err_len = vlen;
        }
    }
    return 0;
}

static _Noreturn void emit(const msg_t *m) {
    buf_t out = {0}, err = {0};
    int code = m->code == 0 ? 0 : 2; /* any other code is "proceed" to some agent */
    if (m->out_len && ascii_json(m->out, m->out_len, &out) < 0)
        block("its answer could not be encoded");
    if (m->err_len) ascii_text(m->err, m->err_len, &err);
    if (out.len && write_all(1, out.data, out.len) < 0) code = 2;
    if (err.len) (void)write_all(2, err.data, err.len);
    _exit(code);
}

/* --- main ------------------------------------------------------------------------------------- */

static int parse_timeout(const char *s) {
    if (!*s || strlen(s) > 4) return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    int v = atoi(s);
    return v >= 3 && v <= 600 ? v : -1;
}

static int read_payload(void) {
    size_t cap = 65536;
    payload = malloc(cap);
    if (!payload) return -1;
    for (;;) {
        if (payload_len == cap) {
            if (cap >= MAX_PAYLOAD) break;
            cap = cap * 2 > MAX_PAYLOAD ? MAX_PAYLOAD : cap * 2;
            unsigned char *p = realloc(payload, cap);
            if (!p) return -1;
            payload = p;
        }
        ssize_t n = read(0, payload + payload_len, cap - payload_len);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            break; /* as the Python client: an unreadable stdin is an empty payload */
        }
        payload_len += (size_t)n;
    }
    payload_read = 1;
    return 0;
}

int main(int argc, char **argv) {
    double started = now();
    int dashes = 0, timeout_s = 0, show_socket = 0;
    if (argc > 1 && strcmp(argv[1], "--socket") == 0) { /* print the daemon's socket this call would use */
        show_socket = 1;
        argv++, argc--;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            dashes = i;
            break;
        }
    if (argc < 5 || argv[1][0] != '/' || dashes < 3 || argv[2][0] != '/') {
        write_str(2, "usage: blastwall-hook PYTHON PATH... -- AGENT [--timeout SECONDS] (written by `blastwall "
                     "install`)\n");
        return 2;
    }
    python = argv[1];
    fallback_argv = calloc((size_t)argc + 5, sizeof *fallback_argv);
    if (!fallback_argv) block("out of memory");
    int k = 0;
    fallback_argv[k++] = argv[1];
    fallback_argv[k++] = "-I";
    fallback_argv[k++] = "-S";
    fallback_argv[k++] = "-c";
    fallback_argv[k++] = (char *)FALLBACK_CODE;
    for (int i = 2; i < argc; i++) fallback_argv[k++] = argv[i];
    fallback_argv[k] = NULL;

    signal(SIGPIPE, SIG_IGN);
    const int sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], on_signal);

    /* AGENT [--timeout N]; anything else is the Python client's to refuse, with its usage line */
    const char *agent = argv[dashes + 1];
    int rest = argc - dashes - 2, known = 0;
    for (const char *const *a = AGENTS; *a; a++) known |= strcmp(agent, *a) == 0;
    if (!known) fallback();
    if (rest == 2 && strcmp(argv[dashes + 2], "--timeout") == 0) timeout_s = parse_timeout(argv[dashes + 3]);
    else if (rest == 1 && starts_with(argv[dashes + 2], "--timeout=")) timeout_s = parse_timeout(argv[dashes + 2] + 10);
    else if (rest != 0) fallback();
    if (timeout_s < 0) fallback();

    int system = system_mode();
    if (!system) {
        const char *mode = getenv("BLASTWALL_DAEMON");
        if (mode && (!strcasecmp(mode, "off") || !strcmp(mode, "0") || !strcasecmp(mode, "no") ||
                     !strcasecmp(mode, "false")))
            fallback();
    }
    size_t nenv = 0;
    char **env = sorted_env(&nenv);
    if (!env) fallback();
    char path[PATH_MAX];
    if (system) snprintf(path, sizeof path, "%s", SYSTEM_SOCKET);
    else if (user_socket(env, nenv, argv[2], path, sizeof path) < 0) {
        if (show_socket) return 1;
        fallback();
    }
    if (show_socket) {
        write_str(1, path);
        write_str(1, "\n");
        return 0;
    }
    int fd = connect_to(path, system);
    if (fd < 0) fallback(); /* no daemon: the Python client starts one and checks in-process */

    if (read_payload() < 0) fallback();
    char cwd[PATH_MAX];
    int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
    if (have_cwd && !valid_utf8(cwd)) fallback();

    buf_t header = {0}, envmsg = {0}, frames = {0};
    char num[64];
    for (size_t i = 0; i < nenv; i++) {
        const char *e = env[i], *eq = strchr(e, '=');
        buf_u32(&envmsg, (uint32_t)(eq - e));
        buf_add(&envmsg, e, (size_t)(eq - e));
        buf_u32(&envmsg, (uint32_t)strlen(eq + 1) + 1);
        buf_add(&envmsg, "s", 1);
        buf_add(&envmsg, eq + 1, strlen(eq + 1));
    }
    snprintf(num, sizeof num, "%d", WIRE_VERSION);
    field(&header, "v", 'i', num, strlen(num));
    field_str(&header, "op", "hook");
    field_str(&header, "agent", agent);
    if (timeout_s) {
        snprintf(num, sizeof num, "%d", timeout_s);
        field(&header, "timeout_s", 'i', num, strlen(num));
    } else {
        field(&header, "timeout_s", 'n', NULL, 0);
    }
    snprintf(num, sizeof num, "%.17g", started);
    if (!strpbrk(num, ".e")) strcat(num, ".0");
    field(&header, "started", 'f', num, strlen(num));
    if (have_cwd) field_str(&header, "cwd", cwd);
    else field(&header, "cwd", 'n', NULL, 0);
    field(&header, "env", 'm', envmsg.data, envmsg.len);
    buf_u32(&frames, (uint32_t)header.len);
    buf_add(&frames, header.data, header.len);
    buf_u32(&frames, (uint32_t)payload_len);
    buf_add(&frames, payload, payload_len);
    if (send_all(fd, frames.data, frames.len, now() + ACCEPT_S) < 0) fallback();
    free(frames.data);

    unsigned char *frame = NULL;
    msg_t m;
    if (recv_msg(fd, now() + ACCEPT_S, &frame, &m) != 0 || strcmp(m.t, "accepted") != 0) {
        close(fd); /* refused, or not accepted in time: the Python client decides (in-process, or blocks) */
        fallback();
    }
    double latest = started + HOOK_DEADLINE_S;
    if (timeout_s) {
        double margin = timeout_s / 6.0;
        margin = margin < 1.0 ? 1.0 : margin > 5.0 ? 5.0 : margin;
        if (started + timeout_s - margin < latest) latest = started + timeout_s - margin;
    }
    latest += GRACE_S;
    for (;;) {
        int r = recv_msg(fd, latest, &frame, &m);
        if (r == -2) {
            char why[120];
            snprintf(why, sizeof why, "the check did not finish within %.0f s", now() - started);
            block(why);
        }
        if (r != 0) { /* the checker went away mid-check */
            close(fd);
            fallback();
        }
        if (strcmp(m.t, "answer") == 0) emit(&m);
        if (strcmp(m.t, "extend") == 0) {
            double more = m.s > MAX_EXTEND_S ? MAX_EXTEND_S : m.s < 0 ? 0 : m.s;
            double limit = timeout_s ? started + timeout_s : started + MAX_EXTEND_S + 30;
            double want = now() + more + GRACE_S;
            if (want > latest) latest = want;
            if (latest > limit) latest = limit;
        }
    }
}
