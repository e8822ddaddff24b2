/* routes.c: the one route table of the API. Order matters only for readability:
 * patterns do not overlap. */
#include "http/http.h"

static const char *const q_regions[] = {"parent", NULL};
static const char *const q_units[] = {"region", "kind", "limit", "cursor", NULL};
static const char *const q_locate[] = {"lng", "lat", NULL};
static const char *const q_cases[] = {"status", "region", "category", "type", "q", "limit",
				      "cursor", "person", "queue",    "sort", NULL};
static const char *const q_stats[] = {"region", "from", "to", "group", NULL};
static const char *const q_ranking[] = {"region", "from", "to", NULL};
static const char *const q_upload[] = {"name", NULL};
static const char *const q_track[] = {"code", NULL};
/* the reason a reveal gives (the agreement prints the parties in full) */
static const char *const q_document[] = {"reason", NULL};
static const char *const q_portal[] = {"city", NULL};
/* pages of a list: routing versions, accounts, audit records */
static const char *const q_versions[] = {"limit", "cursor", NULL};
static const char *const q_users[] = {"username", "limit", "cursor", NULL};
static const char *const q_audit[] = {"limit", "cursor", "subject", "actor", "action", NULL};

const struct pa_route pa_routes[] = {
	{"GET", "/healthz", pa_h_health, 0, NULL},
	{"POST", "/api/v1/session", pa_h_session_create, PA_R_BODY | PA_R_LIMIT_LOGIN, NULL},
	{"GET", "/api/v1/session", pa_h_session_get, PA_R_AUTH | PA_R_SETUP, NULL},
	{"DELETE", "/api/v1/session", pa_h_session_delete, PA_R_AUTH | PA_R_SETUP, NULL},
	{"POST", "/api/v1/session/password", pa_h_session_password,
	 PA_R_AUTH | PA_R_BODY | PA_R_SETUP, NULL},
	{"POST", "/api/v1/session/totp", pa_h_session_totp, PA_R_AUTH | PA_R_BODY | PA_R_SETUP,
	 NULL},
	{"POST", "/api/v1/session/totp/confirm", pa_h_session_totp_confirm,
	 PA_R_AUTH | PA_R_BODY | PA_R_SETUP, NULL},
	{"GET", "/api/v1/regions", pa_h_regions_list, PA_R_AUTH, q_regions},
	{"GET", "/api/v1/regions/{code}", pa_h_region_get, PA_R_AUTH, NULL},
	{"GET", "/api/v1/grids/locate", pa_h_grids_locate, PA_R_AUTH, q_locate},
	{"GET", "/api/v1/case-types", pa_h_case_types, PA_R_AUTH, NULL},
	{"GET", "/api/v1/units", pa_h_units_list, PA_R_AUTH, q_units},
	{"POST", "/api/v1/units", pa_h_unit_add, PA_R_AUTH | PA_R_BODY, NULL},
	{"PATCH", "/api/v1/units/{id}", pa_h_unit_change, PA_R_AUTH | PA_R_BODY, NULL},
	{"POST", "/api/v1/cases", pa_h_cases_create, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/cases", pa_h_cases_list, PA_R_AUTH, q_cases},
	{"GET", "/api/v1/queues", pa_h_queues, PA_R_AUTH, NULL},
	{"GET", "/api/v1/cases/{id}", pa_h_case_get, PA_R_AUTH, NULL},
	{"POST", "/api/v1/cases/{id}/actions", pa_h_case_act, PA_R_AUTH | PA_R_BODY, NULL},
	{"POST", "/api/v1/cases/{id}/reveal", pa_h_case_reveal, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/stats", pa_h_stats, PA_R_AUTH, q_stats},
	{"GET", "/api/v1/stats/ranking", pa_h_ranking, PA_R_AUTH, q_ranking},
	{"GET", "/api/v1/track", pa_h_track, PA_R_LIMIT_PUBLIC, q_track},
	{"POST", "/api/v1/track/rating", pa_h_portal_rate, PA_R_LIMIT_PUBLIC | PA_R_BODY, NULL},
	{"POST", "/api/v1/portal/cases", pa_h_portal_submit, PA_R_LIMIT_PUBLIC | PA_R_BODY, NULL},
	{"GET", "/api/v1/portal/catalog", pa_h_portal_catalog, PA_R_LIMIT_PUBLIC, q_portal},
	{"POST", "/api/v1/warnings", pa_h_warning_issue, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/warnings/{id}", pa_h_warning_get, PA_R_AUTH, NULL},
	{"POST", "/api/v1/cases/{id}/attachments", pa_h_attachment_add, PA_R_AUTH | PA_R_UPLOAD,
	 q_upload},
	{"GET", "/api/v1/cases/{id}/attachments/{sha256}", pa_h_attachment_get, PA_R_AUTH, NULL},
	{"GET", "/api/v1/routing", pa_h_routing_get, PA_R_AUTH, NULL},
	{"PUT", "/api/v1/routing", pa_h_routing_put, PA_R_AUTH | PA_R_BODY, NULL},
	{"GET", "/api/v1/routing/versions", pa_h_routing_versions, PA_R_AUTH, q_versions},
	{"GET", "/api/v1/cases/{id}/documents", pa_h_documents_list, PA_R_AUTH, NULL},
	{"GET", "/api/v1/cases/{id}/documents/{kind}", pa_h_document_get, PA_R_AUTH, q_document},
	{"GET", "/api/v1/users", pa_h_users_list, PA_R_AUTH, q_users},
	{"POST", "/api/v1/users", pa_h_user_add, PA_R_AUTH | PA_R_BODY, NULL},
	{"POST", "/api/v1/users/{id}/unlock", pa_h_user_unlock, PA_R_AUTH, NULL},
	{"DELETE", "/api/v1/users/{id}/totp", pa_h_user_totp_reset, PA_R_AUTH, NULL},
	{"GET", "/api/v1/security/events", pa_h_security_events, PA_R_AUTH, q_versions},
	{"GET", "/api/v1/audit", pa_h_audit_list, PA_R_AUTH, q_audit},
};

const int pa_nroutes = (int)(sizeof pa_routes / sizeof pa_routes[0]);
