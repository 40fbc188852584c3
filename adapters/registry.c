/*
 * registry.c - the table of channels; see registry.h. Adding a channel is a
 * row here plus its adapter file(s).
 */
#include "adapters/registry.h"

#include <string.h>

extern const struct adapter adapter_terminal;
extern const struct adapter adapter_web;
extern const struct adapter adapter_telegram;
extern const struct adapter adapter_generic;
extern const struct adapter adapter_wecom_robot;
extern const struct adapter adapter_dingtalk;
extern const struct adapter adapter_feishu;
extern const struct adapter adapter_slack;
extern const struct adapter adapter_qq;
extern const struct adapter adapter_wechat;
extern const struct adapter adapter_wecom;

/* clang-format off */
const struct adapter *const adapter_registry[] = {
	&adapter_terminal,
	&adapter_web,
	&adapter_telegram,
	&adapter_generic,
	&adapter_wecom_robot,
	&adapter_dingtalk,
	&adapter_feishu,
	&adapter_slack,
	&adapter_qq,
	&adapter_wechat,
	&adapter_wecom,
	NULL,
};
/* clang-format on */

size_t adapter_count(void)
{
	return sizeof(adapter_registry) / sizeof(adapter_registry[0]) - 1;
}

const struct adapter *adapter_find(const char *name)
{
	size_t i;

	for (i = 0; name && adapter_registry[i]; i++)
		if (strcmp(adapter_registry[i]->name, name) == 0)
			return adapter_registry[i];
	return NULL;
}
