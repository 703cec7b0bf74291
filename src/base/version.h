/*
 * version.h - refdesk's version, printed by `--version` at every level of
 * the command line.
 */
#ifndef REFDESK_BASE_VERSION_H
#define REFDESK_BASE_VERSION_H

#define REFDESK_VERSION "0.1.0"

#endif
