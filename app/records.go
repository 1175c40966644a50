package app

import (
	"bytes"
	"context"
	"encoding/json"

	"chartkeep/backend/present"
	"chartkeep/backend/store"
)

// PatientView is the banner of a connection.
type PatientView = present.Patient

// GroupView is one heading of the records view.
type GroupView struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// RecordSummary is one line of a record list.
type RecordSummary struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Date     string `json:"date"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	Status   string `json:"status"`
}

// RecordDetail is the details pane of one record.
type RecordDetail struct {
	Type          string           `json:"type"`
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	Date          string           `json:"date"`
	Fields        []present.Field  `json:"fields"`
	NarrativeHTML string           `json:"narrativeHtml"`
	RawJSON       string           `json:"rawJson"`
	Attachments   []AttachmentView `json:"attachments"`
}

// GetPatient returns the banner of a connection.
func (a *App) GetPatient(connectionID string) (PatientView, error) {
	if err := a.ready(); err != nil {
		return PatientView{}, err
	}
	c, err := a.store.GetConnection(a.ctx, connectionID)
	if err != nil {
		return PatientView{}, errorf(CodeNotFound, "That connection no longer exists.")
	}
	return a.patientView(a.ctx, c)
}

func (a *App) patientView(ctx context.Context, c *store.Connection) (PatientView, error) {
	r, err := a.store.GetResource(ctx, c.ID, "Patient", c.PatientID)
	if err != nil || r == nil {
		return PatientView{}, errorf(CodeNotFound, "The patient's details have not been downloaded yet.")
	}
	return present.DescribePatient(r.Raw), nil
}

// ListGroups returns the groups of a connection's records with their
// counts, in the order a patient looks for them; empty groups are left out.
func (a *App) ListGroups(connectionID string) ([]GroupView, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, g := range present.Groups {
		for _, typ := range present.TypesOf(g.Key) {
			if _, done := counts["type:"+typ]; done {
				continue
			}
			counts["type:"+typ] = 1
			rs, err := a.store.ListResources(a.ctx, connectionID, typ)
			if err != nil {
				return nil, newError(CodeInternal, "Chartkeep could not read its database.", err)
			}
			for i := range rs {
				counts[present.GroupOf(typ, rs[i].Raw)]++
			}
		}
	}
	var out []GroupView
	for _, g := range present.Groups {
		if n := counts[g.Key]; n > 0 {
			out = append(out, GroupView{Key: g.Key, Label: g.Label, Count: n})
		}
	}
	return out, nil
}

// ListRecords returns the records of a group, newest first.
func (a *App) ListRecords(connectionID, group string) ([]RecordSummary, error) {
	if err := a.ready(); err != nil {
		return nil, err
	}
	var out []RecordSummary
	for _, typ := range present.TypesOf(group) {
		rs, err := a.store.ListResources(a.ctx, connectionID, typ)
		if err != nil {
			return nil, newError(CodeInternal, "Chartkeep could not read its database.", err)
		}
		for i := range rs {
			if present.GroupOf(typ, rs[i].Raw) != group {
				continue
			}
			s := present.Summarize(typ, rs[i].Raw)
			out = append(out, RecordSummary{Type: typ, ID: rs[i].ID, Date: present.Date(rs[i].Date),
				Title: s.Title, Subtitle: s.Subtitle, Status: s.Status})
		}
	}
	return out, nil
}

// GetRecord returns the details of one record.
func (a *App) GetRecord(connectionID, typ, id string) (RecordDetail, error) {
	if err := a.ready(); err != nil {
		return RecordDetail{}, err
	}
	r, err := a.store.GetResource(a.ctx, connectionID, typ, id)
	if err != nil || r == nil {
		return RecordDetail{}, errorf(CodeNotFound, "That record is no longer stored.")
	}
	d := present.Describe(typ, r.Raw, r.Date)
	return RecordDetail{Type: typ, ID: id, Title: d.Title, Date: d.Date, Fields: d.Fields,
		NarrativeHTML: d.NarrativeHTML, RawJSON: indent(r.Raw),
		Attachments: a.attachmentViews(connectionID, typ, id, d.Attachments)}, nil
}

func indent(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
