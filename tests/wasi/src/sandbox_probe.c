// sandbox_probe OUTSIDE_ABS: tries to reach files outside the preopened
// directory (fd 3, named "/sandbox") in every way we know of, and prints
// one line per attempt: "NAME: blocked ERRNO" or "NAME: ESCAPED".
//
// The host sets up, next to the sandbox directory, a file
// "../outside.txt" and a directory "../outside/"; inside the sandbox,
// "inside.txt", a directory "sub/", and the planted symlinks
// "host_rel" -> "../outside.txt", "host_abs" -> OUTSIDE_ABS (the absolute
// host path of outside.txt), "host_dir" -> "../outside" and
// "sub/deep" -> "../../outside.txt".
//
// The WASI calls go straight to the host (not through libc's path
// handling), so what is tested is the host's sandbox.
#include <errno.h>
#include <stdio.h>
#include <wasi/api.h>

#define ROOT 3
#define READ (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK)
#define WRITE (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE)

static int escapes;

static void result(const char *name, __wasi_errno_t e) {
    if (e == 0) {
        printf("%s: ESCAPED\n", name);
        escapes++;
    } else {
        printf("%s: blocked %d\n", name, e);
    }
}

static void close_fd(__wasi_fd_t fd) {
    if (__wasi_fd_close(fd) != 0)
        printf("close %u failed\n", fd);
}

// Guest-made symlinks are allowed when relative; following them is what
// must fail.
static void make_link(const char *contents, const char *name) {
    __wasi_errno_t e = __wasi_path_symlink(contents, ROOT, name);
    printf("symlink %s -> %s: %s\n", name, contents, e == 0 ? "created" : "refused");
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_lookupflags_t lookup,
                              __wasi_oflags_t oflags, __wasi_rights_t rights) {
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, lookup, path, oflags, rights, 0, 0, &fd);
    if (e == 0)
        close_fd(fd);
    return e;
}

static void try_open(const char *name, const char *path, int follow) {
    result(name, open_at(ROOT, path, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, 0, READ));
}

static void try_write(const char *name, const char *path) {
    result(name, open_at(ROOT, path, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, __WASI_OFLAGS_TRUNC, WRITE));
}

static void try_stat(const char *name, const char *path, int follow) {
    __wasi_filestat_t st;
    result(name, __wasi_path_filestat_get(ROOT, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, &st));
}

int main(int argc, char **argv) {
    const char *outside_abs = argc > 1 ? argv[1] : "/etc/passwd";

    // Plain `..` and absolute paths.
    try_open("open ..", "..", 1);
    try_open("open ../outside.txt", "../outside.txt", 1);
    try_open("open ./../outside.txt", "./../outside.txt", 1);
    try_open("open sub/../../outside.txt", "sub/../../outside.txt", 1);
    try_open("open sub/../sub/../../outside.txt", "sub/../sub/../../outside.txt", 1);
    try_open("open ../sandbox/../outside.txt", "../sandbox/../outside.txt", 1);
    try_open("open /etc/passwd", "/etc/passwd", 1);
    try_open("open absolute outside path", outside_abs, 1);
    try_open("open //outside.txt", "//outside.txt", 1);
    try_write("truncate ../outside.txt", "../outside.txt");
    result("create ../created.txt",
           open_at(ROOT, "../created.txt", 0, __WASI_OFLAGS_CREAT, WRITE));
    try_stat("stat ../outside.txt", "../outside.txt", 0);

    // Symlinks planted on the host.
    try_open("open host_rel", "host_rel", 1);
    try_open("open host_abs", "host_abs", 1);
    try_open("open host_dir/../outside.txt", "host_dir/../outside.txt", 1);
    try_open("open host_dir/x", "host_dir/x", 1);
    try_open("open sub/deep", "sub/deep", 1);
    try_open("open host_rel nofollow", "host_rel", 0);
    try_write("truncate host_rel", "host_rel");
    try_write("truncate host_abs", "host_abs");
    try_stat("stat host_rel follow", "host_rel", 1);
    try_stat("stat host_dir/x follow", "host_dir/x", 1);
    result("create through host_dir",
           open_at(ROOT, "host_dir/created.txt", 0, __WASI_OFLAGS_CREAT, WRITE));
    result("mkdir through host_dir", __wasi_path_create_directory(ROOT, "host_dir/newdir"));

    // Symlinks the guest makes itself.
    result("symlink absolute", __wasi_path_symlink(outside_abs, ROOT, "guest_abs"));
    make_link("../outside.txt", "guest_rel");
    try_open("open guest_rel", "guest_rel", 1);
    try_write("truncate guest_rel", "guest_rel");
    make_link("sub/..", "guest_up");
    try_open("open guest_up/../outside.txt", "guest_up/../outside.txt", 1);
    make_link("guest_up/..", "guest_up2");
    try_open("open guest_up2", "guest_up2", 1);
    make_link("loop_b", "loop_a");
    make_link("loop_a", "loop_b");
    try_open("open symlink loop", "loop_a", 1);
    make_link("../../..", "sub/up3");
    try_open("open sub/up3/etc/passwd", "sub/up3/etc/passwd", 1);

    // Other operations aimed outside.
    result("unlink ../outside.txt", __wasi_path_unlink_file(ROOT, "../outside.txt"));
    result("rename inside.txt to ../moved.txt", __wasi_path_rename(ROOT, "inside.txt", ROOT, "../moved.txt"));
    result("rename ../outside.txt in", __wasi_path_rename(ROOT, "../outside.txt", ROOT, "stolen.txt"));
    result("rename sub to ../sub", __wasi_path_rename(ROOT, "sub", ROOT, "../sub"));
    result("link ../outside.txt in", __wasi_path_link(ROOT, 0, "../outside.txt", ROOT, "stolen_link.txt"));
    result("link host_rel followed", __wasi_path_link(ROOT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "host_rel", ROOT, "stolen_hard.txt"));
    result("link host_abs followed", __wasi_path_link(ROOT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "host_abs", ROOT, "stolen_hard2.txt"));
    result("link inside.txt out", __wasi_path_link(ROOT, 0, "inside.txt", ROOT, "../linked.txt"));
    result("mkdir ../newdir", __wasi_path_create_directory(ROOT, "../newdir"));
    result("rmdir ../outside", __wasi_path_remove_directory(ROOT, "../outside"));
    result("symlink placed outside", __wasi_path_symlink("inside.txt", ROOT, "../placed_link"));
    result("set times ../outside.txt", __wasi_path_filestat_set_times(ROOT, 0, "../outside.txt", 0, 0,
                                                                       __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    result("set times via host_rel", __wasi_path_filestat_set_times(ROOT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "host_rel", 0, 0,
                                                                     __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
    uint8_t buf[256];
    __wasi_size_t used;
    result("readlink ../outside", __wasi_path_readlink(ROOT, "../outside", buf, sizeof buf, &used));

    // Through a directory opened inside the sandbox: it is a root too.
    __wasi_fd_t sub;
    if (__wasi_path_open(ROOT, 0, "sub", __WASI_OFLAGS_DIRECTORY, READ | __WASI_RIGHTS_FD_READDIR, READ, 0, &sub) == 0) {
        result("open .. from sub fd", open_at(sub, "..", 0, 0, READ));
        result("open ../inside.txt from sub fd", open_at(sub, "../inside.txt", 0, 0, READ));
        close_fd(sub);
    }
    // Renumbering onto the preopen does not widen anything.
    __wasi_fd_t dot;
    if (__wasi_path_open(ROOT, 0, ".", __WASI_OFLAGS_DIRECTORY, READ, READ, 0, &dot) == 0) {
        result("open .. from opened .", open_at(dot, "..", 0, 0, READ));
        close_fd(dot);
    }

    // Libc paths too (these go through wasi-libc's preopen matching).
    FILE *f = fopen("/sandbox/../outside.txt", "r");
    result("fopen /sandbox/../outside.txt", f ? 0 : errno);
    if (f)
        fclose(f);

    // Sanity: the sandbox itself works.
    __wasi_errno_t ok = open_at(ROOT, "inside.txt", 0, 0, READ);
    printf("open inside.txt: %s\n", ok == 0 ? "ok" : "FAILED");
    ok = open_at(ROOT, "sub/../inside.txt", 0, 0, READ);
    printf("open sub/../inside.txt: %s\n", ok == 0 ? "ok" : "FAILED");
    printf("escapes: %d\n", escapes);
    return escapes;
}
