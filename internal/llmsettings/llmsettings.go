// Package llmsettings decides which engine plays the counselor for a call
// (the project's choice, the user's own key, the server's default) and
// manages users' provider keys (encrypted at rest, never returned),
// projects' provider choice and usage summaries.
package llmsettings

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"socrates/internal/access"
	"socrates/internal/apperr"
	"socrates/internal/clock"
	"socrates/internal/counsel"
	"socrates/internal/llm"
	"socrates/internal/secretbox"
	"socrates/internal/store"
	"socrates/internal/validate"
	"socrates/models"
)

// Defaults are the server's provider settings.
type Defaults struct {
	// Provider is the default engine (BUILTIN unless configured).
	Provider         models.LLMProviderID
	Model            string
	AnthropicKey     string
	AnthropicBaseURL string
	OpenAIKey        string
	OpenAIBaseURL    string
	Timeout          time.Duration
	MaxRetries       int
	// AllowPrivateURLs lets users point an OpenAI-compatible base URL at
	// loopback or private addresses (a local Ollama); off in production.
	AllowPrivateURLs bool
}

// Projects locks a project inside a transaction after checking access.
type Projects interface {
	Locked(ctx context.Context, id int64, need access.Permission) (*models.Project, error)
}

// Reader reads a project's usage, batched within an operation.
type Reader interface {
	Usage(ctx context.Context, projectID int64) ([]store.UsageRow, error)
}

// Service implements the provider settings.
type Service struct {
	store    *store.Store
	box      *secretbox.Box
	projects Projects
	read     Reader
	defaults Defaults
	now      clock.Clock
}

// NewService returns the settings service; box may be nil, which disables
// users' own keys.
func NewService(s *store.Store, box *secretbox.Box, projects Projects, read Reader, d Defaults, now clock.Clock) *Service {
	if d.Provider == "" {
		d.Provider = models.LLMProviderIDBuiltin
	}
	return &Service{store: s, box: box, projects: projects, read: read, defaults: d, now: now}
}

func sealContext(userID int64, p models.LLMProviderID) []byte {
	return []byte("llm-credential:" + strconv.FormatInt(userID, 10) + ":" + string(p))
}

// Engine returns the engine for a call by userID in project p: the
// project's provider, or the server default; with the user's own key when
// stored, the server's otherwise. A provider with no key at all falls back
// to the built-in engine, and the result says why.
func (s *Service) Engine(ctx context.Context, userID int64, p *models.Project) counsel.Engine {
	id := s.defaults.Provider
	model := s.defaults.Model
	if chosen := p.LLMProvider(); chosen != nil {
		id = *chosen
		if id != s.defaults.Provider {
			model = ""
		}
	}
	if p.LLMModel != nil {
		model = *p.LLMModel
	}
	if id == models.LLMProviderIDBuiltin || id == "" {
		return counsel.Engine{}
	}
	if model == "" {
		model = llm.DefaultModel(id)
	}
	cfg := llm.Config{Timeout: s.defaults.Timeout, MaxRetries: s.defaults.MaxRetries}
	switch id {
	case models.LLMProviderIDAnthropic:
		cfg.APIKey, cfg.BaseURL = s.defaults.AnthropicKey, s.defaults.AnthropicBaseURL
	case models.LLMProviderIDOpenaiCompatible:
		cfg.APIKey, cfg.BaseURL = s.defaults.OpenAIKey, s.defaults.OpenAIBaseURL
	}
	if s.box != nil {
		c, err := s.store.LLMCredential(store.WithoutTx(ctx), userID, id)
		switch {
		case err == nil:
			key, err := s.box.Open(c.APIKeyCipher, sealContext(userID, id))
			if err != nil {
				return counsel.Engine{Unavailable: fmt.Sprintf("the stored %s key could not be decrypted; the built-in engine answered", id)}
			}
			cfg.APIKey = string(key)
			if c.BaseURL != nil {
				cfg.BaseURL = *c.BaseURL
			}
		case !apperr.IsNotFound(err):
			return counsel.Engine{Unavailable: "the stored key could not be read; the built-in engine answered"}
		}
	}
	client, err := llm.New(id, cfg)
	if err != nil {
		return counsel.Engine{Unavailable: fmt.Sprintf("%s is not configured (%v); the built-in engine answered", id, err)}
	}
	return counsel.Engine{Provider: client, Model: model}
}

// Providers lists the providers and whether the viewer can use them.
func (s *Service) Providers(ctx context.Context) ([]*models.LLMProvider, error) {
	pr, err := access.RequireUser(ctx)
	if err != nil {
		return nil, err
	}
	creds, err := s.store.LLMCredentials(ctx, pr.UserID)
	if err != nil {
		return nil, err
	}
	mine := map[models.LLMProviderID]*models.LLMCredential{}
	for _, c := range creds {
		mine[c.Provider] = c
	}
	var out []*models.LLMProvider
	for _, id := range models.AllLLMProviderID {
		out = append(out, s.describe(id, mine[id]))
	}
	return out, nil
}

func (s *Service) describe(id models.LLMProviderID, c *models.LLMCredential) *models.LLMProvider {
	def := llm.DefaultModel(id)
	p := &models.LLMProvider{ID: id, Models: llm.KnownModels(id), DefaultModel: &def, ViewerHasCredential: c != nil}
	switch id {
	case models.LLMProviderIDBuiltin:
		p.Configured = true
	case models.LLMProviderIDAnthropic:
		p.Configured = c != nil || s.defaults.AnthropicKey != ""
	case models.LLMProviderIDOpenaiCompatible:
		p.Configured = c != nil || s.defaults.OpenAIKey != "" || s.defaults.OpenAIBaseURL != ""
	}
	if c != nil {
		p.BaseURL = c.BaseURL
	}
	return p
}

// SetCredential stores the viewer's key for a provider, encrypted.
func (s *Service) SetCredential(ctx context.Context, id models.LLMProviderID, apiKey string, baseURL *string) (*models.LLMProvider, error) {
	pr, err := access.RequireHuman(ctx)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	switch {
	case !id.IsValid():
		v.Add("provider", apperr.CodeInvalid, "unknown provider %q", id)
	case id == models.LLMProviderIDBuiltin:
		v.Add("provider", apperr.CodeInvalid, "the built-in engine needs no key")
	}
	apiKey = validate.Text(v, "apiKey", apiKey, 1, 500)
	if strings.ContainsAny(apiKey, " \t\r\n") {
		v.Add("apiKey", apperr.CodeInvalid, "apiKey must not contain spaces")
	}
	baseURL = validate.OptionalText(v, "baseUrl", baseURL, 500)
	if baseURL != nil {
		if id != models.LLMProviderIDOpenaiCompatible {
			v.Add("baseUrl", apperr.CodeInvalid, "baseUrl is only used with OPENAI_COMPATIBLE")
		} else if msg := s.checkURL(*baseURL); msg != "" {
			v.Add("baseUrl", apperr.CodeInvalid, "%s", msg)
		}
	}
	if s.box == nil {
		v.Add("", apperr.CodeNotConfigured, "this server stores no provider keys: it has no LLM_ENCRYPTION_KEY")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sealed, err := s.box.Seal([]byte(apiKey), sealContext(pr.UserID, id))
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &models.LLMCredential{UserID: pr.UserID, Provider: id, APIKeyCipher: sealed, BaseURL: baseURL, CreatedAt: now, UpdatedAt: now}
	if err := s.store.WithTx(ctx, func(ctx context.Context) error { return s.store.SaveLLMCredential(ctx, c) }); err != nil {
		return nil, err
	}
	return s.describe(id, c), nil
}

// checkURL refuses base URLs that are not http(s), and, unless allowed,
// ones naming loopback, private or link-local addresses.
func (s *Service) checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "baseUrl must be an http or https URL"
	}
	if s.defaults.AllowPrivateURLs {
		return ""
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return "baseUrl may not point at this server's own network"
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()) {
		return "baseUrl may not point at a private or local address"
	}
	return ""
}

// RemoveCredential deletes the viewer's key for a provider.
func (s *Service) RemoveCredential(ctx context.Context, id models.LLMProviderID) (*models.LLMProvider, bool, error) {
	pr, err := access.RequireHuman(ctx)
	if err != nil {
		return nil, false, err
	}
	if !id.IsValid() {
		return nil, false, apperr.Invalid("provider", apperr.CodeInvalid, "unknown provider %q", id)
	}
	removed, err := store.InTx(ctx, s.store, func(ctx context.Context) (bool, error) {
		return s.store.DeleteLLMCredential(ctx, pr.UserID, id)
	})
	if err != nil {
		return nil, false, err
	}
	return s.describe(id, nil), removed, nil
}

// SetProjectLLM chooses the provider and model of a project's sessions;
// it needs ADMIN permission.
func (s *Service) SetProjectLLM(ctx context.Context, projectID int64, id *models.LLMProviderID, model *string) (*models.Project, error) {
	if _, err := access.RequireUser(ctx); err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	if id != nil && !id.IsValid() {
		v.Add("provider", apperr.CodeInvalid, "unknown provider %q", *id)
	}
	model = validate.OptionalText(v, "model", model, 200)
	if id == nil && model != nil {
		v.Add("model", apperr.CodeInvalid, "choose a provider for the model")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return store.InTx(ctx, s.store, func(ctx context.Context) (*models.Project, error) {
		p, err := s.projects.Locked(ctx, projectID, access.Admin)
		if err != nil {
			return nil, err
		}
		p.LLMProviderName, p.LLMModel, p.UpdatedAt = nil, model, s.now()
		if id != nil {
			name := string(*id)
			p.LLMProviderName = &name
		}
		if err := s.store.UpdateProject(ctx, p, "llm_provider", "llm_model", "updated_at"); err != nil {
			return nil, err
		}
		return p, nil
	})
}

// Usage sums a project's language-model usage.
func (s *Service) Usage(ctx context.Context, p *models.Project) (*models.LLMUsageSummary, error) {
	rows, err := s.read.Usage(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	sum := &models.LLMUsageSummary{ByProvider: []*models.LLMProviderUsage{}}
	for _, r := range rows {
		sum.Calls += r.Calls
		sum.InputTokens += r.InputTokens
		sum.OutputTokens += r.OutputTokens
		sum.CostUsd += r.CostUSD
		sum.Fallbacks += r.Fallbacks
		sum.ByProvider = append(sum.ByProvider, &models.LLMProviderUsage{Provider: r.Provider, Model: r.Model, Calls: r.Calls,
			InputTokens: r.InputTokens, OutputTokens: r.OutputTokens, CostUsd: r.CostUSD})
	}
	return sum, nil
}
