/*
 * flows.h - the conversations Concierge holds, written as data.
 *
 * A flow is an ordered list of steps. Each step names the validator that
 * checks an answer (looked up by name in the engine's table), the message
 * that asks for it, the message that re-asks after a bad answer, and the
 * buttons offered. The engine asks the first step whose field is still
 * empty, so details given early (in the first message, or saved from last
 * time) skip their questions.
 */
#ifndef CONCIERGE_FLOWS_H
#define CONCIERGE_FLOWS_H

#include "dialogs/messages.h"

enum dlg_buttons {
	DLG_BTN_NONE = 0,
	DLG_BTN_CONFIRM, /* submit / back / cancel */
	DLG_BTN_YESNO,
	DLG_BTN_ACCEPT, /* fixed / not fixed */
	DLG_BTN_RATING, /* 1..5 */
	DLG_BTN_SKIP,
	DLG_BTN_ASAP,
};

struct dlg_step_def {
	const char *name;      /* stored in the state */
	const char *validator; /* name in the engine's validator table */
	enum dlg_msg prompt;
	enum dlg_msg bad; /* re-ask after a bad answer */
	enum dlg_buttons buttons;
	int counts_for_back; /* answered steps "back" can return to */
};

struct dlg_flow_def {
	const char *name;
	const struct dlg_step_def *steps;
	int nsteps;
};

extern const struct dlg_flow_def dlg_flows[];
extern const int dlg_nflows;

const struct dlg_flow_def *dlg_flow_find(const char *name);
/* Index of STEP in FLOW, or -1. */
int dlg_step_index(const struct dlg_flow_def *flow, const char *step);

#endif
