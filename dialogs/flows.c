/*
 * flows.c - intake and acceptance, as the service standard orders them:
 * what is needed, where, who, how to reach them, when; then a summary to
 * confirm. Acceptance: fixed or not, a rating, an optional comment. A
 * follow-up visit: solved or not, the staff on time and polite or not, any
 * other remarks.
 */
#include "dialogs/flows.h"

#include <string.h>

static const struct dlg_step_def intake_steps[] = {
        {"description", "description", M_ASK_DESCRIPTION, M_BAD_DESC, DLG_BTN_NONE, 1},
        {"saved", "saved", M_ASK_SAVED, M_BAD_YESNO, DLG_BTN_YESNO, 1},
        {"room", "room", M_ASK_ROOM, M_BAD_ROOM, DLG_BTN_NONE, 1},
        {"name", "name", M_ASK_NAME, M_BAD_NAME, DLG_BTN_NONE, 1},
        {"phone", "phone", M_ASK_PHONE, M_BAD_PHONE, DLG_BTN_NONE, 1},
        {"time", "time", M_ASK_TIME, M_BAD_TIME, DLG_BTN_ASAP, 1},
        {"confirm", "confirm", M_SUMMARY, M_BAD_CONFIRM, DLG_BTN_CONFIRM, 0},
};

static const struct dlg_step_def accept_steps[] = {
        {"accept", "accept", M_ASK_ACCEPT, M_BAD_YESNO, DLG_BTN_ACCEPT, 0},
        {"rating", "rating", M_ASK_RATING, M_BAD_RATING, DLG_BTN_RATING, 0},
        {"comment", "comment", M_ASK_COMMENT, M_ASK_COMMENT, DLG_BTN_SKIP, 0},
};

/* A follow-up visit (回访): the policy says which of these are asked, in its order. */
static const struct dlg_step_def followup_steps[] = {
        {"resolved", "fu_resolved", M_FU_ASK_RESOLVED, M_BAD_YESNO, DLG_BTN_YESNO, 0},
        {"satisfied", "fu_satisfied", M_FU_ASK_SATISFIED, M_BAD_YESNO, DLG_BTN_YESNO, 0},
        {"comment", "fu_comment", M_FU_ASK_COMMENT, M_FU_ASK_COMMENT, DLG_BTN_SKIP, 0},
};

const struct dlg_flow_def dlg_flows[] = {
        {"intake", intake_steps, (int)(sizeof(intake_steps) / sizeof(intake_steps[0]))},
        {"accept", accept_steps, (int)(sizeof(accept_steps) / sizeof(accept_steps[0]))},
        {"followup", followup_steps, (int)(sizeof(followup_steps) / sizeof(followup_steps[0]))},
};
const int dlg_nflows = (int)(sizeof(dlg_flows) / sizeof(dlg_flows[0]));

const struct dlg_flow_def *dlg_flow_find(const char *name)
{
	int i;

	for (i = 0; name && i < dlg_nflows; i++)
		if (strcmp(dlg_flows[i].name, name) == 0)
			return &dlg_flows[i];
	return NULL;
}

int dlg_step_index(const struct dlg_flow_def *flow, const char *step)
{
	int i;

	for (i = 0; flow && step && i < flow->nsteps; i++)
		if (strcmp(flow->steps[i].name, step) == 0)
			return i;
	return -1;
}
