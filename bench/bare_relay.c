/* The floor of any proxy's cost: a relay that reads and writes bytes and looks at none of them.
 *
 *     cc -O2 -o bare_relay bench/bare_relay.c && ./bare_relay LISTEN_PORT UPSTREAM_PORT
 *
 * One thread, epoll, loopback only; bench/pg_proxy.py runs pgbench through it next to the
 * pg-proxy and pgbouncer, so the figures show how much of a proxy's cost is the extra hop itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 65536

static int peer[MAX_FD];

static int tcp(int port, int listening) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001)};
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listening ? bind(s, (void *)&a, sizeof a) || listen(s, 256) : connect(s, (void *)&a, sizeof a)) {
        perror("bare_relay");
        exit(1);
    }
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: bare_relay LISTEN_PORT UPSTREAM_PORT\n");
        return 2;
    }
    int ls = tcp(atoi(argv[1]), 1), up = atoi(argv[2]), ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[64];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    static char buf[256 * 1024];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c = accept(ls, NULL, NULL), s = tcp(up, 0), one = 1;
                if (c < 0 || c >= MAX_FD || s >= MAX_FD) continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                peer[c] = s;
                peer[s] = c;
                ev.data.fd = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                ev.data.fd = s;
                epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf), off = 0;
            if (r <= 0) {
                close(peer[fd]);
                close(fd);
                continue;
            }
            while (off < r) {
                ssize_t w = write(peer[fd], buf + off, (size_t)(r - off));
                if (w <= 0) break;
                off += w;
            }
        }
    }
}
