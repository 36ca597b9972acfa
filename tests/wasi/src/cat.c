// cat: copies stdin to stdout, waiting for input with poll() first, and
// reports the byte and line counts on stderr.
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    char buf[4096];
    long bytes = 0, lines = 0;
    for (;;) {
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        if (poll(&pfd, 1, 5000) < 0) {
            perror("poll");
            return 2;
        }
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(1, buf + done, n - done);
            if (w < 0) {
                perror("write");
                return 1;
            }
            done += w;
        }
        bytes += n;
    }
    fprintf(stderr, "%ld bytes, %ld lines\n", bytes, lines);
    return 0;
}
