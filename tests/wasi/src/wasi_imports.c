// wasi_imports: references every function of wasi-libc's
// <wasi/api.h>, so the module imports all of wasi_snapshot_preview1 with
// the signatures wasi-libc uses, and calls the ones that need no setup,
// printing their errnos.
#include <stdio.h>
#include <wasi/api.h>

void *volatile every_function[] = {
    (void *)__wasi_args_get,
    (void *)__wasi_args_sizes_get,
    (void *)__wasi_environ_get,
    (void *)__wasi_environ_sizes_get,
    (void *)__wasi_clock_res_get,
    (void *)__wasi_clock_time_get,
    (void *)__wasi_fd_advise,
    (void *)__wasi_fd_allocate,
    (void *)__wasi_fd_close,
    (void *)__wasi_fd_datasync,
    (void *)__wasi_fd_fdstat_get,
    (void *)__wasi_fd_fdstat_set_flags,
    (void *)__wasi_fd_fdstat_set_rights,
    (void *)__wasi_fd_filestat_get,
    (void *)__wasi_fd_filestat_set_size,
    (void *)__wasi_fd_filestat_set_times,
    (void *)__wasi_fd_pread,
    (void *)__wasi_fd_prestat_get,
    (void *)__wasi_fd_prestat_dir_name,
    (void *)__wasi_fd_pwrite,
    (void *)__wasi_fd_read,
    (void *)__wasi_fd_readdir,
    (void *)__wasi_fd_renumber,
    (void *)__wasi_fd_seek,
    (void *)__wasi_fd_sync,
    (void *)__wasi_fd_tell,
    (void *)__wasi_fd_write,
    (void *)__wasi_path_create_directory,
    (void *)__wasi_path_filestat_get,
    (void *)__wasi_path_filestat_set_times,
    (void *)__wasi_path_link,
    (void *)__wasi_path_open,
    (void *)__wasi_path_readlink,
    (void *)__wasi_path_remove_directory,
    (void *)__wasi_path_rename,
    (void *)__wasi_path_symlink,
    (void *)__wasi_path_unlink_file,
    (void *)__wasi_poll_oneoff,
    (void *)__wasi_proc_exit,
    (void *)__wasi_sched_yield,
    (void *)__wasi_random_get,
    (void *)__wasi_sock_accept,
    (void *)__wasi_sock_recv,
    (void *)__wasi_sock_send,
    (void *)__wasi_sock_shutdown,
};

int main(void) {
    printf("functions: %zu\n", sizeof every_function / sizeof every_function[0]);
    printf("sched_yield: %d\n", __wasi_sched_yield());
    printf("sock_shutdown stdout: %d\n", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    printf("sock_shutdown closed fd: %d\n", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR));
    __wasi_fd_t fd;
    printf("sock_accept stdin: %d\n", __wasi_sock_accept(0, 0, &fd));
    printf("fd_fdstat_set_rights: %d\n", __wasi_fd_fdstat_set_rights(1, 0, 0));
    printf("fd_renumber closed: %d\n", __wasi_fd_renumber(1, 99));
    fflush(stdout);
    // From here on, stdout writes go to what was stderr.
    printf("fd_renumber 2 -> 1: %d\n", __wasi_fd_renumber(2, 1));
    printf("fd_fdstat_get 2: %d\n", __wasi_fd_fdstat_get(2, &(__wasi_fdstat_t){0}));
    fflush(stdout);
    __wasi_proc_exit(42);
}
