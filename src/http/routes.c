/* routes.c: the one route table of the API. Order matters only for readability:
 * patterns do not overlap. */
#include "http/http.h"

static const char *const q_regions[] = {"parent", NULL};
static const char *const q_locate[] = {"lng", "lat", NULL};
static const char *const q_cases[] = {"status", "region", "category", "type",  "q",
				      "limit",  "cursor", "person",   "queue", NULL};
static const char *const q_stats[] = {"region", "from", "to", "group", NULL};
static const char *const q_upload[] = {"name", NULL};
static const char *const q_track[] = {"code", NULL};
static const char *const q_versions[] = {"limit", "cursor", NULL};
static const char *const q_audit[] = {"limit", "cursor", "subject", "actor", "action", NULL};

const struct pa_route pa_routes[] = {
	{"GET", "/healthz", pa_h_health, 0, NULL},
	{"POST", "/api/v1/session", pa_h_session_create, PA_R_BODY, NULL},
	{"GET", "/api/v1/session", pa_h_session_get, PA_R_AUTH, NULL},
	{"DELETE", "/api/v1/session", pa_h_session_delete, PA_R_AUTH, NULL},
	{"GET", "/api/v1/regions", pa_h_regions_list, PA_R_AUTH, q_regions},
	{"GET", "/api/v1/regions/{code}", pa_h_region_get, PA_R_AUTH, NULL},
	{"GET", "/api/v1/grids/locate", pa_h_grids_locate, PA_R_AUTH, q_locate},
	{"GET", "/api/v1/case-types", pa_h_case_types, PA_R_AUTH, NULL},
	{"GET", "/api/v1/units", pa_h_units_list, PA_R_AUTH, NULL},
	{"POST", "/api/v1/cases", pa_h_cases_create, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/cases", pa_h_cases_list, PA_R_AUTH, q_cases},
	{"GET", "/api/v1/queues", pa_h_queues, PA_R_AUTH, NULL},
	{"GET", "/api/v1/cases/{id}", pa_h_case_get, PA_R_AUTH, NULL},
	{"POST", "/api/v1/cases/{id}/actions", pa_h_case_act, PA_R_AUTH | PA_R_BODY, NULL},
	{"POST", "/api/v1/cases/{id}/reveal", pa_h_case_reveal, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/stats", pa_h_stats, PA_R_AUTH, q_stats},
	{"GET", "/api/v1/track", pa_h_track, 0, q_track},
	{"POST", "/api/v1/warnings", pa_h_warning_issue, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/warnings/{id}", pa_h_warning_get, PA_R_AUTH, NULL},
	{"POST", "/api/v1/cases/{id}/attachments", pa_h_attachment_add, PA_R_AUTH | PA_R_UPLOAD,
	 q_upload},
	{"GET", "/api/v1/cases/{id}/attachments/{sha256}", pa_h_attachment_get, PA_R_AUTH, NULL},
	{"GET", "/api/v1/routing", pa_h_routing_get, PA_R_AUTH, NULL},
	{"PUT", "/api/v1/routing", pa_h_routing_put, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/routing/versions", pa_h_routing_versions, PA_R_AUTH, q_versions},
	{"GET", "/api/v1/cases/{id}/documents/{kind}", pa_h_document_get, PA_R_AUTH, NULL},
	{"GET", "/api/v1/audit", pa_h_audit_list, PA_R_AUTH, q_audit},
};

const int pa_nroutes = (int)(sizeof pa_routes / sizeof pa_routes[0]);
