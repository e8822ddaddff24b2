/* catalog_json.c: the catalog as the API shows it (GET /api/v1/case-types). */
#include "service/app.h"

static json_t *named(const char *code, const char *name, const char *name_en)
{
	return json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "name_en", name_en);
}

static json_t *transition_json(const struct pa_catalog *cat, const struct pa_lifecycle *lc,
			       const struct pa_transition *tr)
{
	json_t *roles = json_array(), *needs = json_array();
	for (int r = 0; r < cat->nroles; r++)
		if (pa_role_may(tr, &cat->roles[r]))
			json_array_append_new(roles, json_string(cat->roles[r].code));
	const char *words[PA_MAX_NEEDS];
	int nw = pa_needs_words(tr->action->needs, words);
	for (int w = 0; w < nw; w++)
		json_array_append_new(needs, json_string(words[w]));
	/* from: null = creates the case, "*" = any state not terminal; to: "=" = stays */
	json_t *from = tr->from == PA_FROM_CREATE ? json_null()
		       : tr->from == PA_FROM_ANY  ? json_string("*")
						  : json_string(lc->states[tr->from].code);
	const char *to = tr->to == PA_TO_SAME ? "=" : lc->states[tr->to].code;
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:o, s:s, s:o}", "action",
			 tr->action->code, "name", tr->action->name, "name_en", tr->action->name_en,
			 "from", from, "to", to, "needs_note",
			 (tr->action->needs & PA_NEED_NOTE) != 0, "needs_unit",
			 (tr->action->needs & PA_NEED_UNIT) != 0, "needs", needs, "effect",
			 pa_effect_name(tr->action->effect), "roles", roles);
}

static json_t *field_json(const struct pa_field *f)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "code", f->code, "type",
			      pa_field_type_name(f->type), "name", f->name, "name_en", f->name_en,
			      "required", f->required);
	/* a date of something that happened: not after today */
	if (f->past)
		json_object_set_new(o, "past", json_true());
	if (f->type == PA_FIELD_CHOICE) {
		json_t *ch = json_array();
		for (int c = 0; c < f->nchoices; c++)
			json_array_append_new(ch, json_string(f->choices[c]));
		json_object_set_new(o, "choices", ch);
	}
	return o;
}

json_t *pa_case_types_json(const struct pa_catalog *cat)
{
	json_t *types = json_array();
	for (int i = 0; i < cat->ntypes; i++) {
		const struct pa_casetype *t = &cat->types[i];
		const struct pa_lifecycle *lc = t->lc;
		json_t *cats = json_array(), *fields = json_array(), *states = json_array(),
		       *actions = json_array();
		for (int k = 0; k < t->ncategories; k++)
			json_array_append_new(cats,
					      named(t->categories[k].code, t->categories[k].name,
						    t->categories[k].name_en));
		for (int k = 0; k < t->nfields; k++)
			json_array_append_new(fields, field_json(&t->fields[k]));
		/* the forms of the actions that keep a record (调解记录, 调解协议 …) */
		json_t *records = json_array();
		for (int k = 0; k < t->nrecords; k++) {
			const struct pa_record_spec *r = &t->records[k];
			json_t *rf = json_array();
			for (int j = 0; j < r->nfields; j++)
				json_array_append_new(rf, field_json(&r->fields[j]));
			json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "action", r->kind, "name",
					      r->name, "name_en", r->name_en, "fields", rf);
			json_array_append_new(records, o);
		}
		for (int k = 0; k < lc->nstates; k++) {
			json_t *s = named(lc->states[k].code, lc->states[k].name,
					  lc->states[k].name_en);
			json_object_set_new(s, "kind",
					    json_string(pa_state_kind_name(lc->states[k].kind)));
			json_object_set_new(s, "phase",
					    json_string(pa_phase_name(lc->states[k].phase)));
			json_array_append_new(states, s);
		}
		for (int k = 0; k < lc->ntrans; k++)
			json_array_append_new(actions, transition_json(cat, lc, &lc->trans[k]));
		json_t *o = named(t->code, t->name, t->name_en);
		json_object_set_new(o, "lifecycle", json_string(lc->code));
		json_object_set_new(o, "intake", t->intake ? json_string(t->intake) : json_null());
		/* residents report it on the public portal, and follow it by a query code */
		json_object_set_new(o, "portal", json_boolean(t->portal));
		json_object_set_new(o, "query_code", json_boolean(t->query_code));
		json_object_set_new(o, "categories", cats);
		json_object_set_new(o, "fields", fields);
		json_object_set_new(o, "records", records);
		json_object_set_new(o, "states", states);
		json_object_set_new(o, "transitions", actions);
		json_array_append_new(types, o);
	}
	json_t *channels = json_array();
	for (int i = 0; i < cat->nchannels; i++)
		json_array_append_new(channels, named(cat->channels[i].code, cat->channels[i].name,
						      cat->channels[i].name_en));
	return json_pack("{s:o, s:o}", "items", types, "channels", channels);
}
