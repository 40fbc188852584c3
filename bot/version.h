/*
 * version.h - the program's version, as `concierge version` prints it and
 * /metrics reports it (concierge_build_info).
 */
#ifndef CONCIERGE_VERSION_H
#define CONCIERGE_VERSION_H

#define CONCIERGE_VERSION "0.1.0"

#endif
