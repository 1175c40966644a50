package app

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wailsapp/wails/v2/pkg/options"

	"chartkeep/backend/simulator"
	"chartkeep/backend/smart"
)

func TestTwoFamilyMembersAtOnePractice(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	alex := sh.connectOK(t, alexLogin)
	sam := sh.connectOK(t, samLogin)
	if alex == sam {
		t.Fatal("the second family member reused the first one's connection")
	}
	cs := sh.connections(t)
	if len(cs) != 2 {
		t.Fatalf("%d connections, want 2", len(cs))
	}
	names := map[string]string{}
	for _, c := range cs {
		names[c.ID] = c.PatientName
		if c.RecordCount == 0 || c.Status != statusConnected {
			t.Errorf("connection %+v", c)
		}
	}
	if names[alex] != sh.alex.Name() || names[sam] != sh.sam.Name() {
		t.Errorf("patients = %v, want %s and %s", names, sh.alex.Name(), sh.sam.Name())
	}
	a, _ := sh.app.store.GetConnection(sh.app.ctx, alex)
	s, _ := sh.app.store.GetConnection(sh.app.ctx, sam)
	if a.Base != s.Base || a.PatientID == s.PatientID {
		t.Errorf("bases %s / %s, patients %s / %s", a.Base, s.Base, a.PatientID, s.PatientID)
	}
	// Logging in as Alex again updates Alex's connection, not a new one.
	sh.connectOK(t, alexLogin)
	if n := len(sh.connections(t)); n != 2 {
		t.Errorf("a second login as the same patient made %d connections", n)
	}
}

func TestRenameConnection(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	id := sh.connectOK(t, alexLogin)
	cases := []struct{ in, want string }{
		{"Mum", "Mum"},
		{"  Alex \t at\nRiverside  ", "Alex at Riverside"},
		{strings.Repeat("x", 100), strings.Repeat("x", maxLabelRunes)},
		{"", ""},
	}
	for _, tc := range cases {
		must(t, sh.App().RenameConnection(id, tc.in))
		if got := sh.connections(t)[0].Label; got != tc.want {
			t.Errorf("RenameConnection(%q): label %q, want %q", tc.in, got, tc.want)
		}
	}
	if err := sh.App().RenameConnection("nope", "x"); errCode(err) != CodeNotFound {
		t.Errorf("renaming a missing connection = %v", err)
	}
}

// tokenEntries are the keychain entries of a connection's token.
func tokenEntries(sh *simHost, id string) []string {
	var out []string
	for _, e := range sh.mem.Entries(kcService) {
		if strings.HasPrefix(e, tokenKey(id)) {
			out = append(out, e)
		}
	}
	return out
}

func TestDisconnectKeepsRecordsAndDeletesToken(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	id := sh.connectOK(t, alexLogin)
	before := sh.connections(t)[0].RecordCount
	if len(tokenEntries(sh, id)) == 0 {
		t.Fatal("no token in the keychain to begin with")
	}
	must(t, sh.App().DisconnectConnection(id))

	if e := tokenEntries(sh, id); len(e) != 0 {
		t.Errorf("keychain entries left after disconnect: %v", e)
	}
	c := sh.connections(t)[0]
	if c.Status != statusDisconnected || c.RecordCount != before || before == 0 {
		t.Errorf("after disconnect: status %s, %d records (had %d)", c.Status, c.RecordCount, before)
	}
	if _, err := sh.App().GetPatient(id); err != nil {
		t.Errorf("records unreadable offline: %v", err)
	}
	if err := sh.App().SyncNow(id); errCode(err) != CodeNeedsReconnect {
		t.Errorf("SyncNow after disconnect = %v", err)
	}
	if c := sh.connections(t)[0]; c.Status != statusDisconnected {
		t.Errorf("SyncNow turned a disconnected connection into %s", c.Status)
	}
	// Connecting again is a reconnect of the same connection.
	start, err := sh.App().Reconnect(id)
	must(t, err)
	browse(t, start.AuthURL, alexLogin, "allow", nil)
	if st := sh.waitEnded(t, start.AttemptID); st.State != "connected" || st.ConnectionID != id {
		t.Errorf("reconnect after disconnect = %+v", st)
	}
}

func TestRemoveConnectionNeedsTheCurrentCount(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	alex := sh.connectOK(t, alexLogin)
	sam := sh.connectOK(t, samLogin)
	var count int
	for _, c := range sh.connections(t) {
		if c.ID == alex {
			count = c.RecordCount
		}
	}
	if count == 0 {
		t.Fatal("nothing to remove")
	}
	err := sh.App().RemoveConnection(alex, count-1)
	if errCode(err) != CodeStaleConfirmation || len(sh.connections(t)) != 2 ||
		len(tokenEntries(sh, alex)) == 0 {
		t.Fatalf("removal with a stale count = %v; it must delete nothing", err)
	}
	must(t, sh.App().RemoveConnection(alex, count))

	cs := sh.connections(t)
	if len(cs) != 1 || cs[0].ID != sam || cs[0].RecordCount == 0 {
		t.Errorf("after removing Alex: %+v", cs)
	}
	if e := tokenEntries(sh, alex); len(e) != 0 {
		t.Errorf("keychain entries left: %v", e)
	}
	if n, _ := sh.app.store.CountByType(sh.app.ctx, alex); len(n) != 0 {
		t.Errorf("records left: %v", n)
	}
	if len(tokenEntries(sh, sam)) == 0 {
		t.Error("removing Alex deleted Sam's token")
	}
}

func TestNeedsReconnectFromExpiresIn(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{TokenTTL: 2 * time.Second}, hostEdit{})
	st, _ := sh.login(t, alexLogin)
	if st.State != "connected" {
		t.Fatalf("login = %+v", st)
	}
	sh.WaitSync(st.ConnectionID, time.Minute)
	c, _ := sh.app.store.GetConnection(sh.app.ctx, st.ConnectionID)
	if c.ExpiresAt == nil || time.Until(*c.ExpiresAt) > 3*time.Second {
		t.Fatalf("stored expiry %v does not come from expires_in=2", c.ExpiresAt)
	}
	waitFor(t, 5*time.Second, func() bool { return time.Now().After(*c.ExpiresAt) })
	v := sh.connections(t)[0]
	if v.Status != statusNeedsReconnect || v.ExpiresAt != c.ExpiresAt.Format(time.RFC3339) {
		t.Errorf("after expiry: status %s, expiresAt %q", v.Status, v.ExpiresAt)
	}
	err := sh.App().SyncNow(st.ConnectionID)
	if errCode(err) != CodeNeedsReconnect || !strings.Contains(err.Error(), "expired at") {
		t.Errorf("SyncNow after expiry = %v", err)
	}
}

// fhirRequests counts the simulator's FHIR reads, searches and pages.
func fhirRequests(sim *simulator.Server) int {
	r := sim.Requests()
	return r[simulator.KindRead] + r[simulator.KindSearch] + r[simulator.KindPage]
}

func TestNeedsReconnectFrom401AndOneClickReconnect(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{PageSize: 5}, hostEdit{})
	id := sh.connectOK(t, alexLogin)
	before, _ := sh.app.store.GetConnection(sh.app.ctx, id)
	full := sh.connections(t)[0].Counts
	n0 := fhirRequests(sh.sim)
	must(t, sh.App().SyncNow(id))
	sh.WaitSync(id, time.Minute)
	fullRun := fhirRequests(sh.sim) - n0

	// healow answers 401 from the middle of the next download on.
	var once sync.Once
	sh.rec.mu.Lock()
	sh.rec.onProgress = func(p SyncProgress) {
		if p.ConnectionID == id && p.Resources >= 20 {
			once.Do(sh.sim.ExpireTokens)
		}
	}
	sh.rec.mu.Unlock()
	must(t, sh.App().SyncNow(id))
	sh.WaitSync(id, time.Minute)
	v := sh.connections(t)[0]
	exp, _ := time.Parse(time.RFC3339, v.ExpiresAt)
	if v.Status != statusNeedsReconnect || exp.After(time.Now()) {
		t.Fatalf("after a 401: status %s, expiresAt %s", v.Status, v.ExpiresAt)
	}
	if msgs := sh.rec.doneMessages(id); len(msgs) == 0 ||
		!strings.Contains(msgs[len(msgs)-1], "Click Reconnect") {
		t.Errorf("sync end messages = %q", msgs)
	}

	start, err := sh.App().Reconnect(id)
	must(t, err)
	q := mustQuery(t, start.AuthURL)
	if q.Get("aud") != before.Base || q.Get("client_id") != before.ClientID ||
		q.Get("redirect_uri") != before.RedirectURI {
		t.Errorf("reconnect asked aud=%s client=%s redirect=%s; connection has %s %s %s",
			q.Get("aud"), q.Get("client_id"), q.Get("redirect_uri"), before.Base,
			before.ClientID, before.RedirectURI)
	}
	n1 := fhirRequests(sh.sim)
	browse(t, start.AuthURL, alexLogin, "allow", nil)
	st := sh.waitEnded(t, start.AttemptID)
	if st.State != "connected" || st.ConnectionID != id {
		t.Fatalf("reconnect = %+v, want the same connection %s", st, id)
	}
	sh.WaitSync(id, time.Minute)
	resumed := fhirRequests(sh.sim) - n1
	msgs := sh.rec.doneMessages(id)
	if !strings.Contains(sh.logs.String(), "resume=true") ||
		!strings.Contains(msgs[len(msgs)-1], "continued where it had stopped") {
		t.Errorf("the sync after the reconnect did not resume; it said %q", msgs[len(msgs)-1])
	}
	if resumed >= fullRun {
		t.Errorf("the resumed sync made %d requests, a full one %d: it started over",
			resumed, fullRun)
	}
	v = sh.connections(t)[0]
	if len(sh.connections(t)) != 1 || v.Status != statusConnected || v.LastSyncStatus != "ok" ||
		total(v.Counts) != total(full) {
		t.Errorf("after reconnect: %+v, want %d records like the full sync", v, total(full))
	}
}

func TestReconnectAsAnotherPatientIsRefused(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	id := sh.connectOK(t, alexLogin)
	start, err := sh.App().Reconnect(id)
	must(t, err)
	run := browse(t, start.AuthURL, samLogin, "allow", nil)
	wantFailure(t, sh.waitEnded(t, start.AttemptID), run.page, "different patient")
	if cs := sh.connections(t); len(cs) != 1 {
		t.Errorf("%d connections", len(cs))
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	must(t, err)
	return u.Query()
}

func TestWindowComesToFront(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	sh.connectOK(t, alexLogin)
	if n := sh.rec.raisedCount(); n != 1 {
		t.Errorf("window raised %d times after a login, want 1", n)
	}
	sh.SecondInstance(options.SecondInstanceData{Args: []string{"chartkeep"}})
	if n := sh.rec.raisedCount(); n != 2 {
		t.Errorf("window raised %d times after a second launch, want 2", n)
	}
}

func TestKeychainHoldsLargeTokensWithinPlatformLimits(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{2560, 2900} { // Windows, macOS
		sh := startSimHost(t, simulator.Options{}, hostEdit{memCap: limit})
		ctx := context.Background()
		big := strings.Repeat("eyJhbGciOi.", 8<<10/11+1)[:8<<10]
		exp := time.Now().Add(time.Hour).Round(time.Second)
		must(t, sh.app.saveToken(ctx, "c1", &smart.Grant{AccessToken: big, Expiry: exp}))
		tok, err := sh.app.loadToken(ctx, "c1")
		if err != nil || tok.AccessToken != big || !tok.Expiry.Equal(exp) {
			t.Fatalf("cap %d: 8 KB token reloaded as %d bytes, %v", limit, len(tokAccess(tok)), err)
		}
		if n := len(tokenEntries(sh, "c1")); n < 4 {
			t.Errorf("cap %d: an 8 KB token in %d entries", limit, n)
		}
	}
}

func tokAccess(t *storedToken) string {
	if t == nil {
		return ""
	}
	return t.AccessToken
}

func TestKeychainOneEntryPerConnection(t *testing.T) {
	t.Parallel()
	sh := startSimHost(t, simulator.Options{}, hostEdit{})
	alex := sh.connectOK(t, alexLogin)
	sam := sh.connectOK(t, samLogin)
	keys := map[string]bool{}
	for _, e := range sh.mem.Entries(kcService) {
		// Chunks of one value are "key.1", "key.2", …
		if i := strings.LastIndexByte(e, '.'); i > 0 && strings.Trim(e[i+1:], "0123456789") == "" {
			e = e[:i]
		}
		keys[e] = true
	}
	want := map[string]bool{databaseKeyName: true, tokenKey(alex): true, tokenKey(sam): true}
	if len(keys) != len(want) {
		t.Errorf("keychain keys %v, want %v", keys, want)
	}
	for k := range want {
		if !keys[k] {
			t.Errorf("keychain lacks %s: %v", k, keys)
		}
	}
}
