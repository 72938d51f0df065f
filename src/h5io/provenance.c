/* provenance.c — one record per run leg in /runs (docs/FORMAT.md): the run
 * that created the file is /runs/000000, each --restart the next number.
 *
 * A record is a group whose attributes say who ran the leg and how (command
 * line, effective options, host, Slurm job, backend, threads, ranks, corun
 * version, first generation, start time, status "running") and, once the
 * leg ends, how it ended (last generation, status, exit code, end time,
 * error). Groups with attributes rather than a compound dataset: attributes
 * are metadata, which parallel HDF5 writes collectively with rank 0's values
 * like every other attribute, and variable-length strings need no limit.
 *
 * When: a new file gets its record at creation (before SWMR mode, which
 * cannot add objects); a restart's record is written with its first append,
 * so a restart refused or failed before appending anything leaves the file
 * as it was. A leg killed with -9 keeps status "running" and no end fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corun/core.h"
#include "h5_int.h"

#define LEGS_MAX 1000000 /* far beyond any real chain of restarts */

void h5io_utc_now(char *buf, size_t n) {
    time_t now = time(NULL);
    struct tm tmv;
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
}

void h5io_leg_free(h5io_leg_t *leg) {
    free(leg->command_line);
    free(leg->config_text);
    leg->command_line = leg->config_text = NULL;
}

int h5io_leg_set(corun_h5_file_t *f, const corun_h5_meta_t *m, int64_t start_gen) {
    h5io_leg_t *leg = &f->leg;
    h5io_leg_free(leg);
    leg->command_line = strdup(m->command_line ? m->command_line : "");
    leg->config_text = strdup(m->config_text ? m->config_text : "");
    snprintf(leg->backend, sizeof leg->backend, "%s", m->backend);
    snprintf(leg->host, sizeof leg->host, "%s", m->host);
    const char *j = m->slurm_job_id[0] ? m->slurm_job_id : getenv("SLURM_JOB_ID");
    snprintf(leg->slurm_job_id, sizeof leg->slurm_job_id, "%s", j ? j : "");
    leg->threads = m->threads;
    leg->start_gen = start_gen;
    return leg->command_line && leg->config_text ? 0 : -1;
}

int h5io_legs_check(hid_t file, char *why, size_t n) {
    htri_t ex = H5Lexists(file, "runs", H5P_DEFAULT);
    if (ex <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    H5O_info_t oi;
    if (H5Oget_info_by_name2(file, "runs", &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
        oi.type != H5O_TYPE_GROUP) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(why, n, "/runs is not a group");
        return -1;
    }
    H5G_info_t gi;
    hid_t g = H5Gopen2(file, "runs", H5P_DEFAULT);
    int bad = g < 0 || H5Gget_info(g, &gi) < 0;
    if (g >= 0) H5Gclose(g);
    H5Eclear2(H5E_DEFAULT);
    if (bad) {
        snprintf(why, n, "/runs cannot be read");
        return -1;
    }
    if (gi.nlinks >= LEGS_MAX) {
        snprintf(why, n, "/runs holds %llu records (at most %d)", (unsigned long long)gi.nlinks,
                 LEGS_MAX);
        return -1;
    }
    return 0;
}

/* /runs, made if the file has none (files of corun versions before the
 * records, and new files). */
static hid_t runs_group(hid_t file) {
    htri_t ex = H5Lexists(file, "runs", H5P_DEFAULT);
    if (ex < 0) return -1;
    return ex ? H5Gopen2(file, "runs", H5P_DEFAULT)
              : H5Gcreate2(file, "runs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

int h5io_leg_begin(corun_h5_file_t *f, hid_t file) {
    h5io_leg_t *leg = &f->leg;
    if (leg->skip || leg->index >= 0) return 0;
    hid_t runs = runs_group(file);
    H5G_info_t gi;
    if (runs < 0 || H5Gget_info(runs, &gi) < 0) {
        if (runs >= 0) H5Gclose(runs);
        return -1;
    }
    char name[32], when[32];
    snprintf(name, sizeof name, "%06llu", (unsigned long long)gi.nlinks);
    h5io_utc_now(when, sizeof when);
    /* P > 1: rank 0's values, as for every attribute */
    char *cmd = h5io_agreed_str(f, leg->command_line), *cfg = h5io_agreed_str(f, leg->config_text);
    char *host = h5io_agreed_str(f, leg->host), *be = h5io_agreed_str(f, leg->backend);
    char *job = h5io_agreed_str(f, leg->slurm_job_id);
    char *started = h5io_agreed_str(f, when);
    int64_t threads = h5io_agreed_i64(f, leg->threads);
    hid_t g = H5Gcreate2(runs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = g < 0 || !cmd || !cfg || !host || !be || !job || !started;
    if (!bad) {
        bad |= h5io_attr_str(g, "command_line", cmd);
        bad |= h5io_attr_str(g, "config", cfg);
        bad |= h5io_attr_str(g, "host", host);
        bad |= h5io_attr_str(g, "slurm_job_id", job);
        bad |= h5io_attr_str(g, "backend", be);
        bad |= h5io_attr_i64(g, "threads", threads);
        bad |= h5io_attr_i64(g, "mpi_ranks", f->nranks);
        bad |= h5io_attr_str(g, "corun_version", CORUN_VERSION);
        bad |= h5io_attr_i64(g, "start_generation", leg->start_gen);
        bad |= h5io_attr_str(g, "started", started);
        bad |= h5io_attr_str(g, "status", "running");
    }
    free(cmd), free(cfg), free(host), free(be), free(job), free(started);
    if (g >= 0) H5Gclose(g);
    H5Gclose(runs);
    if (bad) return -1;
    leg->index = (int64_t)gi.nlinks;
    return 0;
}

static int exit_code_of(const char *status) {
    if (!strcmp(status, "complete")) return CORUN_EXIT_OK;
    if (!strcmp(status, "interrupted")) return CORUN_EXIT_SIGNAL;
    return CORUN_EXIT_FAILURE;
}

int h5io_leg_end(corun_h5_file_t *f, hid_t file, const corun_h5_stats_t *st) {
    h5io_leg_t *leg = &f->leg;
    if (leg->skip) return 0;
    if (leg->index < 0 && h5io_leg_begin(f, file) < 0) return -1;
    char name[48], when[32];
    snprintf(name, sizeof name, "runs/%06lld", (long long)leg->index);
    h5io_utc_now(when, sizeof when);
    char *ended = h5io_agreed_str(f, when);
    const char *status = st->status ? st->status : "complete";
    hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
    int bad = g < 0 || !ended;
    if (!bad) {
        bad |= h5io_attr_i64(g, "end_generation", st->final_generation);
        bad |= h5io_attr_str(g, "ended", ended);
        bad |= h5io_attr_i64(g, "exit_code", exit_code_of(status));
        if (st->error && !strcmp(status, "failed")) bad |= h5io_attr_str(g, "error", st->error);
        bad |= h5io_attr_str(g, "status", status);
    }
    free(ended);
    if (g >= 0) H5Gclose(g);
    return bad ? -1 : 0;
}
