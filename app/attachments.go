package app

import (
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"chartkeep/backend/present"
	"chartkeep/backend/store"
)

// AttachmentView is one attachment of a record, as the details pane lists
// it: what it is, whether its bytes are on this computer, and if not, why.
type AttachmentView struct {
	Index       int    `json:"index"`
	ContentType string `json:"contentType"`
	Title       string `json:"title"`
	Size        int    `json:"size"`
	Stored      bool   `json:"stored"`
	Message     string `json:"message"`
}

// maxTextAttachment bounds what GetAttachmentText hands to the window.
const maxTextAttachment = 2 << 20

// attachmentViews merges what the resource says of its attachments with
// what the sync stored; the indexes agree (content first, then
// presentedForm).
func (a *App) attachmentViews(connID, typ, id string, listed []present.Attachment) []AttachmentView {
	stored := map[int]store.Attachment{}
	if rows, err := a.store.ListAttachments(a.ctx, connID, typ, id); err == nil {
		for _, r := range rows {
			stored[r.Index] = r
		}
	}
	out := make([]AttachmentView, 0, len(listed))
	for _, l := range listed {
		v := AttachmentView{Index: l.Index, ContentType: l.ContentType, Title: l.Title,
			Size: l.Size, Message: "This file was not downloaded yet; Sync now fetches it."}
		if r, ok := stored[l.Index]; ok {
			v.Stored, v.Message = r.Stored(), r.Message
			if r.Stored() {
				v.Size = int(r.Size)
			}
		}
		out = append(out, v)
	}
	return out
}

func (a *App) storedAttachment(connID, typ, id string, index int) (*store.Attachment, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	att, err := a.store.GetAttachment(a.ctx, connID, typ, id, index)
	if err != nil || att == nil || !att.Stored() {
		return nil, errorf(CodeNotFound, "This file is not on this computer. Sync now to download it.")
	}
	return att, nil
}

// GetAttachmentText returns a text attachment (a visit note, say) for the
// window to show as plain text. Other kinds are saved with SaveAttachment.
func (a *App) GetAttachmentText(connectionID, typ, id string, index int) (string, error) {
	att, err := a.storedAttachment(connectionID, typ, id, index)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(strings.ToLower(att.ContentType), "text/") {
		return "", errorf(CodeInvalidInput, "This file is not text; use Save a copy to open it.")
	}
	b := att.Bytes
	if len(b) > maxTextAttachment {
		b = b[:maxTextAttachment]
	}
	return strings.ToValidUTF8(string(b), string(utf8.RuneError)), nil
}

// SaveAttachment asks where to save an attachment and writes its bytes
// there unchanged, so the patient can open a PDF or a C-CDA document with
// the program of their choice. It returns the path, or "" when cancelled.
func (a *App) SaveAttachment(connectionID, typ, id string, index int) (string, error) {
	att, err := a.storedAttachment(connectionID, typ, id, index)
	if err != nil {
		return "", err
	}
	if a.opts.Emit != nil {
		return "", errorf(CodeInvalidInput, "Saving a file needs the Chartkeep window.")
	}
	path, err := runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title: "Save a copy", DefaultFilename: attachmentFileName(att)})
	if err != nil || path == "" {
		return "", err
	}
	if err := writeAttachment(path, att.Bytes); err != nil {
		return "", newError(CodeInternal, "Chartkeep could not write the file there.", err)
	}
	return path, nil
}

func writeAttachment(path string, b []byte) error {
	tmp := path + ".part"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// attachmentFileName suggests a name from the title and type; ids are
// never used, since they may differ only by case (HEALOW.md §3).
func attachmentFileName(att *store.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 {
			return '-'
		}
		return r
	}, strings.TrimSpace(att.Title))
	if name == "" {
		name = "document"
	}
	if len(name) > 80 {
		name = name[:80]
	}
	return name + extensionOf(att.ContentType)
}

func extensionOf(ct string) string {
	base := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	switch {
	case base == "application/pdf":
		return ".pdf"
	case strings.HasSuffix(base, "xml"):
		return ".xml"
	case base == "text/html":
		return ".html"
	case strings.HasPrefix(base, "text/"):
		return ".txt"
	case strings.HasPrefix(base, "image/"):
		return "." + strings.TrimPrefix(base, "image/")
	}
	return ""
}

// SyncRunView is one line of a connection's download history.
type SyncRunView struct {
	StartedAt string            `json:"startedAt"`
	Seconds   float64           `json:"seconds"`
	Status    string            `json:"status"`
	Resumed   bool              `json:"resumed"`
	Records   int               `json:"records"`
	Counts    map[string]int    `json:"counts"`
	Errors    map[string]string `json:"errors"`
}

// ListSyncRuns returns the connection's latest downloads, newest first.
func (a *App) ListSyncRuns(connectionID string) ([]SyncRunView, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	runs, err := a.store.ListRuns(a.ctx, connectionID, 20)
	if err != nil {
		return nil, newError(CodeInternal, "Chartkeep could not read its database.", err)
	}
	out := make([]SyncRunView, 0, len(runs))
	for i := range runs {
		out = append(out, runView(&runs[i]))
	}
	return out, nil
}

func runView(r *store.SyncRun) SyncRunView {
	counts, _ := r.CountsMap()
	errs, _ := r.ErrorsMap()
	v := SyncRunView{StartedAt: r.StartedAt.Format(time.RFC3339), Status: r.Status,
		Resumed: r.Resumed, Seconds: r.Duration().Round(100 * time.Millisecond).Seconds(),
		Counts: counts, Errors: errs}
	if v.Counts == nil {
		v.Counts = map[string]int{}
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	for t, n := range counts {
		if t != "Binary" {
			v.Records += n
		}
	}
	return v
}
