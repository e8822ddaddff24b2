/* catalog_json.c: the catalog as the API shows it (GET /api/v1/case-types). */
#include "service/app.h"

json_t *pa_case_types_json(const struct pa_catalog *cat)
{
	json_t *types = json_array();
	for (int i = 0; i < cat->ntypes; i++) {
		const struct pa_casetype *t = &cat->types[i];
		json_t *cats = json_array(), *fields = json_array(), *states = json_array(),
		       *actions = json_array();
		for (int k = 0; k < t->ncategories; k++)
			json_array_append_new(cats, json_pack("{s:s, s:s, s:s}", "code",
							      t->categories[k].code, "name",
							      t->categories[k].name, "name_en",
							      t->categories[k].name_en));
		for (int k = 0; k < t->nfields; k++) {
			const struct pa_field *f = &t->fields[k];
			json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "code", f->code, "type",
					      pa_field_type_name(f->type), "name", f->name,
					      "name_en", f->name_en, "required", f->required);
			if (f->type == PA_FIELD_CHOICE) {
				json_t *ch = json_array();
				for (int c = 0; c < f->nchoices; c++)
					json_array_append_new(ch, json_string(f->choices[c]));
				json_object_set_new(o, "choices", ch);
			}
			json_array_append_new(fields, o);
		}
		const struct pa_lifecycle *lc = t->lc;
		for (int k = 0; k < lc->nstates; k++)
			json_array_append_new(
				states,
				json_pack("{s:s, s:s, s:s, s:s}", "code", lc->states[k].code,
					  "kind", pa_state_kind_name(lc->states[k].kind), "name",
					  lc->states[k].name, "name_en", lc->states[k].name_en));
		for (int k = 0; k < lc->ntrans; k++) {
			const struct pa_transition *tr = &lc->trans[k];
			json_t *roles = json_array();
			for (int r = 0; r < cat->nroles; r++)
				if (pa_role_may(tr, &cat->roles[r]))
					json_array_append_new(roles,
							      json_string(cat->roles[r].code));
			json_array_append_new(
				actions,
				json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:o}", "action",
					  tr->action->code, "name", tr->action->name, "name_en",
					  tr->action->name_en, "from",
					  tr->from < 0 ? json_null()
						       : json_string(lc->states[tr->from].code),
					  "to", lc->states[tr->to].code, "needs_note",
					  (tr->action->needs & PA_NEED_NOTE) != 0, "needs_unit",
					  (tr->action->needs & PA_NEED_UNIT) != 0, "roles", roles));
		}
		json_array_append_new(types,
				      json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "code",
						t->code, "name", t->name, "name_en", t->name_en,
						"lifecycle", lc->code, "categories", cats, "fields",
						fields, "states", states, "transitions", actions));
	}
	json_t *channels = json_array();
	for (int i = 0; i < cat->nchannels; i++)
		json_array_append_new(channels,
				      json_pack("{s:s, s:s, s:s}", "code", cat->channels[i].code,
						"name", cat->channels[i].name, "name_en",
						cat->channels[i].name_en));
	return json_pack("{s:o, s:o}", "items", types, "channels", channels);
}
