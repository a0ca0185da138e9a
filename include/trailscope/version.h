/*
 * version.h - the program's version, which core writes into what it
 * produces (bundle bag-info, custody records) and `trailscope --version`
 * prints.
 */
#ifndef TRAILSCOPE_VERSION_H
#define TRAILSCOPE_VERSION_H

#define TRAILSCOPE_VERSION "0.1.0"

#endif
