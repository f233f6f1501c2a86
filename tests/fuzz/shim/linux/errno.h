/* SPDX-License-Identifier: GPL-2.0 */
/* libc reaches here through <errno.h>: hand it the real one too. */
#include_next <linux/errno.h>
#include "../mx_shim.h"
