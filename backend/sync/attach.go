package sync

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"chartkeep/backend/fhirclient"
	"chartkeep/backend/store"
)

// Messages stored with attachments that were not downloaded; the window
// shows them in place of the document.
const (
	msgNotPermitted = "Not downloaded: healow did not give Chartkeep access to documents " +
		"(the Binary permission was not granted)."
	msgForeign  = "Not downloaded: the document is not on the practice's healow server."
	msgGone     = "Not downloaded: the practice no longer has this document."
	msgBadData  = "Not downloaded: the document's data could not be decoded."
	msgTooLarge = "Not downloaded: the document is larger than the %s limit."
	msgFailed   = "Not downloaded: %v"
)

type attKey struct {
	typ, id string
	index   int
}

// attJob is one attachment of a stored resource.
type attJob struct {
	attKey
	url, contentType, title string
	size                    int64
	data                    string // base64, when inline
	inline                  bool
}

// attachmentsOf lists a DocumentReference's content[].attachment and a
// DiagnosticReport's presentedForm[], indexed as backend/present indexes
// them (content first, then presentedForm, by position), so that the app
// finds the bytes under the index it shows.
func attachmentsOf(typ, id string, m obj) []attJob {
	if typ != "DocumentReference" && typ != "DiagnosticReport" {
		return nil
	}
	var list []any
	content, _ := get(m, "content").([]any)
	for _, c := range content {
		list = append(list, get(c, "attachment"))
	}
	forms, _ := get(m, "presentedForm").([]any)
	list = append(list, forms...)
	var out []attJob
	for i, a := range list {
		am, ok := a.(obj)
		if !ok {
			continue
		}
		j := attJob{attKey: attKey{typ, id, i}, url: str(am, "url"),
			contentType: str(am, "contentType"), title: str(am, "title")}
		j.size, _ = strconv.ParseInt(str(am, "size"), 10, 64)
		if d, ok := am["data"].(string); ok {
			j.data, j.inline = d, true
		}
		if j.inline || j.url != "" {
			out = append(out, j)
		}
	}
	return out
}

// inlineRow turns an attachment with inline data into its row: the
// decoded bytes, or a message when they do not decode or pass the cap.
// It needs no request, so it is stored with the resource's page.
func (r *runner) inlineRow(j attJob) store.Attachment {
	row := r.attachmentRow(j)
	limit := r.s.maxAttachment()
	data, err := fhirclient.DecodeBase64(j.data)
	switch {
	case err != nil:
		r.st.noteFor(j.typ, "attachment data not decodable")
		row.Message = msgBadData
	case int64(len(data)) > limit:
		row.Message = fmt.Sprintf(msgTooLarge, sizeText(limit))
	default:
		row.Bytes = data
	}
	return row
}

func (r *runner) attachmentRow(j attJob) store.Attachment {
	return store.Attachment{ConnectionID: r.s.ConnectionID, ResourceType: j.typ,
		ResourceID: j.id, Index: j.index, ContentType: j.contentType, Title: j.title,
		URL: j.url, Size: j.size}
}

// storedInline records the inline attachments of a committed page.
func (r *runner) storedInline(rows []store.Attachment) {
	if len(rows) == 0 {
		return
	}
	var keys []ref
	for _, a := range rows {
		if a.Stored() {
			keys = append(keys, attRef(attKey{a.ResourceType, a.ResourceID, a.Index}))
		}
	}
	r.st.stored(binaryType, keys)
}

func attRef(k attKey) ref {
	return ref{binaryType, k.typ + "/" + k.id + "#" + strconv.Itoa(k.index)}
}

// attach queues the downloads of attachments given by url.
func (r *runner) attach(jobs []attJob) {
	for _, j := range jobs {
		r.st.expect(binaryType)
		r.pool.add(func(ctx context.Context) { r.download(ctx, j) })
	}
}

// download stores the bytes of an attachment given by url, or a row saying
// why not. The Binary is read only when allowed, within the size cap, and
// once: a stored download of the same url is kept.
func (r *runner) download(ctx context.Context, j attJob) {
	defer r.st.finished(binaryType)
	if ctx.Err() != nil {
		return
	}
	if old, ok := r.atts[j.attKey]; ok && old.URL == j.url && old.Stored() {
		r.st.stored(binaryType, []ref{attRef(j.attKey)})
		return
	}
	row := r.attachmentRow(j)
	if !r.fill(ctx, j, &row) {
		return
	}
	if err := r.s.Store.SaveAttachment(context.WithoutCancel(ctx), &row); err != nil {
		r.fail(ctx, binaryType, "Attachment", fmt.Errorf("%w: %w", ErrStore, err))
		return
	}
	if row.Stored() {
		r.st.stored(binaryType, []ref{attRef(j.attKey)})
	} else {
		r.st.stored(binaryType, nil)
	}
}

// fill sets row's Bytes or Message; false means there is nothing to save
// (the run is stopping).
func (r *runner) fill(ctx context.Context, j attJob, row *store.Attachment) bool {
	limit := r.s.maxAttachment()
	switch {
	case !r.s.Attachments:
		row.Message = msgNotPermitted
		return true
	case j.size > limit:
		row.Message = fmt.Sprintf(msgTooLarge, sizeText(limit))
		return true
	}
	b, err := r.s.FHIR.ReadBinary(ctx, j.url, limit)
	switch {
	case err == nil:
		row.Bytes = b.Data
		if b.ContentType != "" {
			row.ContentType = b.ContentType
		}
	case errors.Is(err, fhirclient.ErrTooLarge):
		row.Message = fmt.Sprintf(msgTooLarge, sizeText(limit))
	case errors.Is(err, fhirclient.ErrUnmappableLink):
		row.Message = msgForeign
	case statusOf(err) == 403:
		row.Message = msgNotPermitted
	case statusOf(err) == 404, statusOf(err) == 410:
		row.Message = msgGone
	case ctx.Err() != nil, errors.Is(err, fhirclient.ErrUnauthorized):
		r.fail(ctx, binaryType, "Attachment of "+j.typ, err)
		return false
	default:
		r.fail(ctx, binaryType, "Attachment of "+j.typ, err)
		row.Message = fmt.Sprintf(msgFailed, err)
	}
	return true
}

// sizeText writes a byte count for people: "20 MB", "512 KB", "400 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
