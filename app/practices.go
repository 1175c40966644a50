package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"chartkeep/backend/directory"
)

// Practice is one practice in the picker.
type Practice struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Base  string `json:"base"`
	City  string `json:"city"`
	State string `json:"state"`
}

// GetSettings returns the current settings.
func (a *App) GetSettings() (Settings, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.settings
	s.Demo = a.opts.Demo
	return s, nil
}

// SaveSettings checks and saves the settings. A changed callback port takes
// effect at the next start.
func (a *App) SaveSettings(s Settings) error {
	if err := a.ready(); err != nil {
		return err
	}
	if a.opts.Demo {
		return errorf(CodeInvalidInput, "The demo practice needs no settings.")
	}
	s.ClientID = strings.TrimSpace(s.ClientID)
	s.PublicURL = strings.TrimRight(strings.TrimSpace(s.PublicURL), "/")
	s = s.withDefaults()
	if err := s.validate(a.opts.AllowHTTPLoopback); err != nil {
		return err
	}
	if err := saveSettings(a.dataDir, s); err != nil {
		return newError(CodeInternal, "Chartkeep could not save the settings file.", err)
	}
	a.mu.Lock()
	a.settings = s
	a.mu.Unlock()
	return nil
}

// SearchPractices finds practices by name or code in healow's directory,
// downloading it the first time.
func (a *App) SearchPractices(query string) ([]Practice, error) {
	ix, err := a.directory(a.ctx)
	if err != nil {
		return nil, err
	}
	found := ix.Search(query, 50)
	out := make([]Practice, 0, len(found))
	for _, p := range found {
		out = append(out, practiceView(p))
	}
	return out, nil
}

func practiceView(p directory.Practice) Practice {
	return Practice{Code: p.Code, Name: p.Name, Base: p.Base, City: p.City, State: p.State}
}

func (a *App) directory(ctx context.Context) (*directory.Index, error) {
	a.mu.Lock()
	ix, url := a.practices, a.settings.DirectoryURL
	a.mu.Unlock()
	if ix != nil {
		return ix, nil
	}
	if url == "" {
		url = directory.DefaultURL
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	list, err := directory.Fetch(ctx, a.httpClient(), url)
	if err != nil {
		return nil, newError(CodeNetwork,
			"Chartkeep could not download healow's list of practices. Check your internet "+
				"connection and try again.", fmt.Errorf("app: directory: %w", err))
	}
	ix = directory.NewIndex(list)
	a.mu.Lock()
	a.practices = ix
	a.mu.Unlock()
	a.log.Info("practice directory loaded", "practices", len(list))
	return ix, nil
}

func (a *App) findPractice(ctx context.Context, code string) (directory.Practice, error) {
	ix, err := a.directory(ctx)
	if err != nil {
		return directory.Practice{}, err
	}
	if p, ok := ix.ByCode(code); ok {
		return p, nil
	}
	return directory.Practice{}, errorf(CodeNotFound,
		"That practice is no longer in healow's list. It may have turned off patient access; "+
			"ask the practice to enable healow FHIR access for patients.")
}
