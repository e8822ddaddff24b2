/* attachments.c: files on a case (POST and GET /api/v1/cases/{id}/attachments…) and the
 * documents printed from it (GET /api/v1/cases/{id}/documents, …/documents/{kind}). */
#include "http/http.h"

enum pa_err pa_h_attachment_add(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	rc = pa_attachment_add(rq->app, &rq->actor, id, pa_req_query(rq, "name"), rq->raw,
			       rq->raw_len, pa_req_header(rq, "Idempotency-Key"), &rp->out);
	rp->status = 201;
	return rc;
}

enum pa_err pa_h_attachment_get(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	char *path = pa_alloc(rq->arena, 1200), *mime = pa_alloc(rq->arena, 32),
	     *name = pa_alloc(rq->arena, 256);
	if ((rc = pa_attachment_file(rq->app, &rq->actor, id, rq->params[1], path, mime, name)))
		return rc;
	rp->file = path;
	rp->file_type = mime;
	rp->file_name = name;
	return PA_OK;
}

enum pa_err pa_h_document_get(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	char *name = pa_alloc(rq->arena, 160);
	if ((rc = pa_case_document(rq->app, &rq->actor, id, rq->params[1],
				   pa_req_query(rq, "reason"), &rp->file_data, &rp->file_len,
				   name)))
		return rc;
	rp->file_type = "application/pdf";
	rp->file_name = name;
	return PA_OK;
}

enum pa_err pa_h_documents_list(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	return rc ? rc : pa_case_documents(rq->app, &rq->actor, id, &rp->out);
}
