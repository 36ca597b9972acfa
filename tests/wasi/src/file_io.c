// file_io DIR: exercises files and directories below DIR (create, write,
// seek, read, pread/pwrite, append, truncate, stat, readdir, rename,
// hard and symbolic links, times, sync, removal, error cases) and prints
// one line per step. Errors are printed by name so the output is the same
// natively and under WASI. Leaves DIR/summary.txt behind.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;

static const char *name_of(int e) {
    switch (e) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EBADF: return "EBADF";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    default: return "E?";
    }
}

static char *at(const char *rel) {
    static char bufs[4][512];
    static int next;
    char *buf = bufs[next++ % 4];
    snprintf(buf, sizeof bufs[0], "%s/%s", dir, rel);
    return buf;
}

static void report(const char *what, long result) {
    if (result < 0)
        printf("%s: %s\n", what, name_of(errno));
    else
        printf("%s: %ld\n", what, result);
}

static void show_read(const char *what, int fd, size_t len) {
    char buf[64] = {0};
    ssize_t n = read(fd, buf, len);
    if (n < 0)
        printf("%s: %s\n", what, name_of(errno));
    else
        printf("%s: %zd \"%.*s\"\n", what, n, (int)n, buf);
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *rel) {
    DIR *d = opendir(at(rel));
    if (!d) {
        printf("opendir %s: %s\n", rel, name_of(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *entry = malloc(strlen(e->d_name) + 3);
        char kind = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        sprintf(entry, "%s:%c", e->d_name, kind);
        names[count++] = entry;
    }
    closedir(d);
    qsort(names, count, sizeof *names, compare);
    printf("list %s:", rel);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static long file_size(const char *rel) {
    struct stat st;
    return stat(at(rel), &st) < 0 ? -1 : (long)st.st_size;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: file_io DIR\n");
        return 2;
    }
    dir = argv[1];

    report("mkdir work", mkdir(at("work"), 0755));
    report("mkdir work again", mkdir(at("work"), 0755));

    int fd = open(at("work/a.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    report("create a.txt", fd >= 0 ? 0 : -1);
    report("write", write(fd, "hello\nworld\n", 12));
    report("tell", lseek(fd, 0, SEEK_CUR));
    report("read write-only", read(fd, (char[4]){0}, 4));
    int flags = fcntl(fd, F_GETFL);
    printf("write-only mode: %s\n", (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "other");
    close(fd);
    report("size", file_size("work/a.txt"));

    fd = open(at("work/a.txt"), O_RDONLY);
    flags = fcntl(fd, F_GETFL);
    printf("read-only mode: %s\n", (flags & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "other");
    show_read("read 5", fd, 5);
    report("seek 6", lseek(fd, 6, SEEK_SET));
    show_read("read rest", fd, 64);
    show_read("read at end", fd, 64);
    report("seek end-3", lseek(fd, -3, SEEK_END));
    show_read("read last 3", fd, 64);
    char pbuf[8] = {0};
    ssize_t pn = pread(fd, pbuf, 4, 3);
    printf("pread 4 at 3: %zd \"%.*s\"\n", pn, (int)pn, pbuf);
    report("write read-only", write(fd, "x", 1));
    report("seek negative", lseek(fd, -100, SEEK_SET));
    close(fd);

    fd = open(at("work/a.txt"), O_WRONLY | O_APPEND);
    report("append", write(fd, "!!\n", 3));
    struct stat st;
    fstat(fd, &st);
    printf("size after append: %ld\n", (long)st.st_size);
    close(fd);

    fd = open(at("work/a.txt"), O_RDWR);
    report("pwrite", pwrite(fd, "HE", 2, 0));
    report("ftruncate 8", ftruncate(fd, 8));
    fstat(fd, &st);
    printf("size after truncate: %ld\n", (long)st.st_size);
    show_read("read all", fd, 64);
    report("fsync", fsync(fd));
    report("fdatasync", fdatasync(fd));
    report("fallocate 100", posix_fallocate(fd, 0, 100) == 0 ? 0 : -1);
    fstat(fd, &st);
    printf("size after fallocate: %ld\n", (long)st.st_size);
    report("ftruncate 8 again", ftruncate(fd, 8));
    report("fadvise", posix_fadvise(fd, 0, 8, POSIX_FADV_SEQUENTIAL) == 0 ? 0 : -1);
    close(fd);
    report("read closed fd", read(fd, pbuf, 1));

    report("create existing O_EXCL", open(at("work/a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    report("open missing", open(at("work/missing.txt"), O_RDONLY));
    report("open file as dir", open(at("work/a.txt/x"), O_RDONLY));
    report("open dir for writing", open(at("work"), O_WRONLY));

    report("mkdir sub", mkdir(at("work/sub"), 0755));
    fd = open(at("work/sub/b.txt"), O_CREAT | O_WRONLY, 0644);
    report("write b.txt", write(fd, "bee\n", 4));
    close(fd);
    report("symlink", symlink("sub/b.txt", at("work/link")));
    char target[64] = {0};
    ssize_t tn = readlink(at("work/link"), target, sizeof target - 1);
    printf("readlink: %zd \"%s\"\n", tn, tn > 0 ? target : "");
    fd = open(at("work/link"), O_RDONLY);
    show_read("read through link", fd, 64);
    close(fd);
    report("open link O_NOFOLLOW", open(at("work/link"), O_RDONLY | O_NOFOLLOW));
    struct stat lst;
    lstat(at("work/link"), &lst);
    stat(at("work/link"), &st);
    printf("lstat is link: %d, stat is regular: %d, stat size: %ld\n", S_ISLNK(lst.st_mode), S_ISREG(st.st_mode), (long)st.st_size);
    report("symlink dangling", symlink("nowhere", at("work/dangling")));
    report("open dangling", open(at("work/dangling"), O_RDONLY));
    report("create dangling O_EXCL", open(at("work/dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    fd = open(at("work/dangling"), O_CREAT | O_WRONLY, 0644);
    report("create through dangling", fd >= 0 ? 0 : -1);
    close(fd);
    list("work");
    list("work/sub");

    report("rename a.txt", rename(at("work/a.txt"), at("work/sub/c.txt")));
    report("size of old name", file_size("work/a.txt"));
    report("size of new name", file_size("work/sub/c.txt"));
    report("link", link(at("work/sub/c.txt"), at("work/hard.txt")));
    stat(at("work/hard.txt"), &st);
    printf("nlink: %ld\n", (long)st.st_nlink);

    struct timespec times[2] = {{.tv_sec = 1000000000, .tv_nsec = 0}, {.tv_sec = 1234567890, .tv_nsec = 500}};
    report("utimensat", utimensat(AT_FDCWD, at("work/hard.txt"), times, 0));
    stat(at("work/hard.txt"), &st);
    printf("atime: %ld, mtime: %ld.%09ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    fd = open(at("work/hard.txt"), O_RDONLY);
    struct timespec omit_now[2] = {{.tv_sec = 0, .tv_nsec = UTIME_OMIT}, {.tv_sec = 42, .tv_nsec = 0}};
    report("futimens", futimens(fd, omit_now));
    fstat(fd, &st);
    printf("atime: %ld, mtime: %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    close(fd);

    report("rmdir non-empty", rmdir(at("work/sub")));
    report("rmdir a file", rmdir(at("work/hard.txt")));
    report("unlink a dir", unlink(at("work/sub")));
    report("unlink b.txt", unlink(at("work/sub/b.txt")));
    report("unlink c.txt", unlink(at("work/sub/c.txt")));
    report("rmdir sub", rmdir(at("work/sub")));
    report("unlink link", unlink(at("work/link")));
    report("unlink dangling", unlink(at("work/dangling")));
    report("unlink nowhere", unlink(at("work/nowhere")));
    report("unlink hard.txt", unlink(at("work/hard.txt")));
    report("unlink missing", unlink(at("work/hard.txt")));
    list("work");
    report("rmdir work", rmdir(at("work")));

    // Enough entries that readdir needs several batches.
    report("mkdir many", mkdir(at("many"), 0755));
    char name[128];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "many/entry_%03d_with_a_fairly_long_name_to_fill_buffers", i);
        close(open(at(name), O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir(at("many"));
    int entries = 0, sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int n;
        if (sscanf(e->d_name, "entry_%d_", &n) == 1) {
            entries++;
            sum += n;
        }
    }
    closedir(d);
    printf("many entries: %d, sum of numbers: %d\n", entries, sum);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "many/entry_%03d_with_a_fairly_long_name_to_fill_buffers", i);
        unlink(at(name));
    }
    report("rmdir many", rmdir(at("many")));

    FILE *summary = fopen(at("summary.txt"), "w");
    fprintf(summary, "file_io done\n");
    fclose(summary);
    return 0;
}
