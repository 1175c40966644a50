package simulator

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"

	"chartkeep/backend/simulator/fhirdata"
)

// chart is the data of one patient as the FHIR handlers use it;
// *fhirdata.Patient is the real one, tests may bring small fakes.
type chart interface {
	ID() string
	Name() string
	Read(typ, id string) (json.RawMessage, bool)
	Search(typ string, params url.Values) ([]json.RawMessage, error)
	Served() map[string][]string
}

type practice struct {
	Practice
	accounts map[string]*account // by login
	patients map[string]chart    // by patient id
}

// account is a patient portal login. It belongs to exactly one practice.
type account struct {
	login, password string
	patient         chart
}

// client is an app registered on the developer portal.
type client struct {
	id, redirectURI string
	scopes          map[string]bool // nil: whatever it asks for
}

// Demo account of AddDemoPractice.
const (
	DemoPracticeCode = "CKDEMO"
	DemoPracticeName = "Chartkeep Demo Family Practice"
	DemoLogin        = "demo"
	DemoPassword     = "chartkeep-demo"
)

// AddPractice adds a practice to the directory and opens its FHIR base.
// It fails with ErrDuplicate when the code is taken.
func (s *Server) AddPractice(code, name, city, state string) error {
	if code == "" {
		return fmt.Errorf("simulator: empty practice code")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.practices[code]; ok {
		return fmt.Errorf("%w: practice %q", ErrDuplicate, code)
	}
	s.practices[code] = &practice{
		Practice: Practice{Code: code, Name: name, City: city, State: state},
		accounts: map[string]*account{}, patients: map[string]chart{},
	}
	s.order = append(s.order, code)
	return nil
}

// AddPatient makes p's records available at the practice and lets the
// login and password sign in to them. A login is unique within a practice;
// the same patient may have several logins.
func (s *Server) AddPatient(practiceCode string, p *fhirdata.Patient,
	login, password string) error {
	if p == nil {
		return fmt.Errorf("simulator: nil patient")
	}
	return s.addChart(practiceCode, p, login, password)
}

func (s *Server) addChart(code string, c chart, login, password string) error {
	if login == "" || password == "" {
		return fmt.Errorf("simulator: empty login or password")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, ok := s.practices[code]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownPractice, code)
	}
	if _, ok := pr.accounts[login]; ok {
		return fmt.Errorf("%w: login %q at %s", ErrDuplicate, login, code)
	}
	if old, ok := pr.patients[c.ID()]; ok && old != c {
		return fmt.Errorf("%w: patient %q at %s", ErrDuplicate, c.ID(), code)
	}
	pr.patients[c.ID()] = c
	pr.accounts[login] = &account{login: login, password: password, patient: c}
	return nil
}

// AddDemoPractice adds DemoPracticeCode with fhirdata.DemoPatient(seed)
// and the DemoLogin / DemoPassword account.
func (s *Server) AddDemoPractice(seed int64) error {
	if err := s.AddPractice(DemoPracticeCode, DemoPracticeName, "Springfield", "IL"); err != nil {
		return err
	}
	return s.AddPatient(DemoPracticeCode, fhirdata.DemoPatient(seed), DemoLogin, DemoPassword)
}

// Served returns, per resource type, the ids that the supported searches
// and reads serve for the patient at the practice (fhirdata's view), or nil
// when there is no such patient. Resources removed through Faults are still
// listed.
func (s *Server) Served(practiceCode, patientID string) map[string][]string {
	s.mu.Lock()
	pr := s.practices[practiceCode]
	var c chart
	if pr != nil {
		c = pr.patients[patientID]
	}
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.Served()
}

// RegisterClient registers (or replaces) an app as the developer portal
// would: its one redirect URI, matched byte for byte at authorize and
// token, and its scopes; nil scopes accept whatever the app asks for.
// The redirect URI must be https; Demo mode also allows plain http on a
// loopback host (HEALOW.md §1: the portal forces https).
func (s *Server) RegisterClient(clientID, redirectURI string, scopes []string) error {
	if clientID == "" {
		return fmt.Errorf("simulator: empty client id")
	}
	if err := s.checkRedirect(redirectURI); err != nil {
		return err
	}
	c := &client{id: clientID, redirectURI: redirectURI}
	if scopes != nil {
		c.scopes = map[string]bool{}
		for _, sc := range scopes {
			c.scopes[sc] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = c
	return nil
}

func (s *Server) checkRedirect(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%w: %q is not an absolute URI without fragment", ErrRedirectURI, raw)
	}
	loopback := isLoopbackHost(u.Hostname())
	switch {
	case u.Scheme == "https" && loopback && s.opts.RefuseLocalhostRedirect:
		return fmt.Errorf("%w: the portal refuses localhost redirects", ErrRedirectURI)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && loopback && s.opts.Demo:
		return nil
	default:
		return fmt.Errorf("%w: %q must be https", ErrRedirectURI, raw)
	}
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Practices lists every practice in directory order.
func (s *Server) Practices() []Practice {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Practice, 0, len(s.order))
	for _, code := range s.order {
		out = append(out, s.practices[code].Practice)
	}
	return out
}

// Account is a login for display (the demo login page, healowsim).
type Account struct {
	PracticeCode, Login, Password, PatientID, PatientName string
}

// LogValue leaves the password out of logs.
func (a Account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("practice", a.PracticeCode), slog.String("login", a.Login))
}

// Accounts lists the logins of a practice, sorted by login.
func (s *Server) Accounts(practiceCode string) []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.practices[practiceCode]
	if pr == nil {
		return nil
	}
	var out []Account
	for _, a := range pr.accounts {
		out = append(out, Account{
			PracticeCode: practiceCode, Login: a.login, Password: a.password,
			PatientID: a.patient.ID(), PatientName: a.patient.Name(),
		})
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.Login, b.Login) })
	return out
}

func (s *Server) practice(code string) *practice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.practices[code]
}
