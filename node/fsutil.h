/* fsutil: small durable-file helpers shared by the node's state files (node.id, the
 * removed marker, the pushed topology). */
#ifndef REDRAFT_FSUTIL_H
#define REDRAFT_FSUTIL_H

#include <stddef.h>

/* Replaces `path` with `data` so that after a crash it holds either the old or the new
 * contents: write `path`.tmp, fsync, rename over path, fsync the directory. Returns 0,
 * or -1 with errno set (the temporary file is removed). */
int fs_write_file_atomic(const char *path, const char *data, size_t len);

/* fsync of a directory (makes a rename or create in it durable). 0 or -1 (errno). */
int fs_sync_dir(const char *dir);

#endif
