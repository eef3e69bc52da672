/* Unit tests for node/segment_prealloc.c, our posix_fallocate() override (linked in
 * from the node objects, so the calls below reach it, as libraft's do):
 *   - the range is allocated, st_size grows, everything reads back as zeros, and
 *     FIEMAP reports no FIEMAP_EXTENT_UNWRITTEN extent over it (the point: raft's
 *     NOWAIT appends must not meet unwritten extents), skipped without FIEMAP;
 *   - data already in the file is preserved (POSIX semantics);
 *   - errors come back as the return value and errno is left alone (EBADF, EINVAL). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/redraft-prealloc-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/open-1", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

TestSuite(segment_prealloc, .init = setup, .fini = teardown);

/* Every byte of [off, off+len) reads as `want`. */
static void assert_bytes(int fd, off_t off, off_t len, unsigned char want)
{
    static unsigned char buf[1 << 16];
    while (len > 0) {
        size_t n = len < (off_t)sizeof buf ? (size_t)len : sizeof buf;
        ssize_t r = pread(fd, buf, n, off);
        cr_assert_eq(r, (ssize_t)n, "pread at %lld: %zd", (long long)off, r);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(buf[i], want, "byte %lld is %u", (long long)(off + (off_t)i), buf[i]);
        off += (off_t)n;
        len -= (off_t)n;
    }
}

/* Checks that no extent overlapping [off, off+len) is unwritten (or a hole: every byte
 * must be covered). Returns 0, or 1 when the filesystem has no FIEMAP. */
static int assert_written_extents(int fd, off_t off, off_t len)
{
    enum { MAX_EXTENTS = 64 };
    size_t sz = sizeof(struct fiemap) + MAX_EXTENTS * sizeof(struct fiemap_extent);
    struct fiemap *fm = calloc(1, sz);
    cr_assert_not_null(fm);
    fm->fm_start = (uint64_t)off;
    fm->fm_length = (uint64_t)len;
    fm->fm_flags = FIEMAP_FLAG_SYNC;
    fm->fm_extent_count = MAX_EXTENTS;
    if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
        int e = errno;
        free(fm);
        cr_assert(e == EOPNOTSUPP || e == ENOTTY, "FIEMAP: %s", strerror(e));
        return 1;
    }
    cr_assert_gt(fm->fm_mapped_extents, 0u);
    cr_assert_lt(fm->fm_mapped_extents, (unsigned)MAX_EXTENTS);
    uint64_t covered = (uint64_t)off;
    for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
        struct fiemap_extent *x = &fm->fm_extents[i];
        cr_assert_eq(x->fe_flags & FIEMAP_EXTENT_UNWRITTEN, 0u,
                     "extent %u at %llu+%llu is unwritten", i,
                     (unsigned long long)x->fe_logical, (unsigned long long)x->fe_length);
        cr_assert_leq(x->fe_logical, covered, "hole before extent %u", i);
        if (x->fe_logical + x->fe_length > covered)
            covered = x->fe_logical + x->fe_length;
    }
    cr_assert_geq(covered, (uint64_t)(off + len), "range not fully mapped");
    free(fm);
    return 0;
}

Test(segment_prealloc, allocates_zeros_written_extents)
{
    /* Like raft's segment: a brand-new file opened with O_EXCL|O_DSYNC. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_DSYNC, 0600);
    cr_assert_geq(fd, 0);
    const off_t off = 8192, len = (3 << 20) + 123;
    errno = 1234;
    cr_assert_eq(posix_fallocate(fd, off, len), 0);
    cr_assert_eq(errno, 1234, "errno must be preserved");
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_size, off + len);
    cr_assert_geq((off_t)st.st_blocks * 512, len, "range not allocated");
    close(fd);

    fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    assert_bytes(fd, 0, off + len, 0);
    if (assert_written_extents(fd, off, len))
        cr_log_info("FIEMAP not supported here: unwritten-extent check skipped");
    close(fd);
}

Test(segment_prealloc, keeps_existing_data)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    static unsigned char data[10000];
    memset(data, 0xab, sizeof data);
    cr_assert_eq(pwrite(fd, data, sizeof data, 0), (ssize_t)sizeof data);
    /* Overlaps the data (bytes 5000..9999) and extends past it. */
    cr_assert_eq(posix_fallocate(fd, 5000, 1 << 20), 0);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_size, 5000 + (1 << 20));
    assert_bytes(fd, 0, sizeof data, 0xab);
    assert_bytes(fd, sizeof data, st.st_size - (off_t)sizeof data, 0);
    /* A range wholly inside the file changes nothing, size included. */
    cr_assert_eq(posix_fallocate(fd, 100, 200), 0);
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_size, 5000 + (1 << 20));
    assert_bytes(fd, 0, sizeof data, 0xab);
    close(fd);
}

Test(segment_prealloc, errors_are_returned)
{
    errno = 0;
    cr_assert_eq(posix_fallocate(-1, 0, 4096), EBADF);
    cr_assert_eq(errno, 0, "errno must be preserved");

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(posix_fallocate(fd, 0, 0), EINVAL);
    cr_assert_eq(posix_fallocate(fd, -1, 4096), EINVAL);
    cr_assert_eq(posix_fallocate(fd, 0, -1), EINVAL);
    close(fd);

    /* Read-only fd: fallocate itself refuses with EBADF. */
    fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(posix_fallocate(fd, 0, 4096), EBADF);
    close(fd);
    cr_assert_eq(errno, 0, "errno must be preserved");
}
