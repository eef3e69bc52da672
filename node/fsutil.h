/* fsutil: small durable-file helpers shared by the node's state files (node.id, the
 * removed marker, the pushed topology) and CONFIG REWRITE. */
#ifndef REDRAFT_FSUTIL_H
#define REDRAFT_FSUTIL_H

#include <stddef.h>

/* Replaces `path` with `data` (file mode `mode`) so that after a crash it holds either
 * the old or the new contents: write a unique `path`.tmp-XXXXXX, fsync, rename over
 * path, fsync the directory. Returns 0, or -1 with errno set (the temporary file is
 * removed). */
int fs_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);

/* fsync of a directory (makes a rename or create in it durable). 0 or -1 (errno). */
int fs_sync_dir(const char *dir);

#endif
