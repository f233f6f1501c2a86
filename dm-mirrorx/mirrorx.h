/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide declarations: target registration (main.c calls these).
 */
#ifndef DM_MIRRORX_MIRRORX_H
#define DM_MIRRORX_MIRRORX_H

#include "wire.h"
#include "meta_format.h"

int mx_source_register(void);
void mx_source_unregister(void);
int mx_receiver_register(void);
void mx_receiver_unregister(void);

#endif /* DM_MIRRORX_MIRRORX_H */
