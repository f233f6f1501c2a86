/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "mirrorctl metrics": OpenMetrics text (for node_exporter's textfile
 * collector) of the mirrors on this node. Pure: it formats what the
 * caller read, so the unit tests and the host tests can drive it.
 */
#ifndef MX_METRICS_H
#define MX_METRICS_H

#include <stdio.h>
#include "mx_status.h"

/* One mirror: its name, and its status when it runs (else NULL). */
struct mx_metrics_mirror {
	const char *name;
	const struct mx_status *st;
};

/* Every metric family of @n mirrors, then "# EOF". */
void mx_metrics_write(FILE *f, const struct mx_metrics_mirror *m, size_t n);

#endif /* MX_METRICS_H */
