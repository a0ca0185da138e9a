/*
 * version.h - the program's version, for --version and for what bundles
 * and custody records say made them.
 */
#ifndef TRAILSCOPE_VERSION_H
#define TRAILSCOPE_VERSION_H

#define TRAILSCOPE_VERSION "0.1.0"

#endif
