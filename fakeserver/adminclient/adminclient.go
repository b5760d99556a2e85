// Package adminclient steers a running fake server (`authchaos serve`)
// over its admin API, as toxiproxy's client/ steers toxiproxy: activate
// scenarios with parameters, heal, move the virtual clock, perform
// operator actions, read the one-time code, read and follow the journal.
//
// It is a thin layer over the HTTP routes under /__admin/ (see
// fakeserver/admin.go), using the server's own types for what comes back,
// so the admin API, this client and the authchaos subcommands built on it
// cannot disagree. It holds no state but the base URL: every method is
// one request (Follow, one stream).
package adminclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver/journal"
)

// DefaultURL is where `authchaos serve` listens unless told otherwise.
const DefaultURL = "http://127.0.0.1:8401"

// Client talks to one server's admin API. The zero value is not usable;
// call New.
type Client struct {
	base string
	http *http.Client
}

// New returns a client for the server at baseURL (scheme, host and port,
// as `serve` prints it). httpClient may be nil for one with a 30s timeout
// per request; Follow is not bound by it.
func New(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http://HOST:PORT, as `authchaos serve` prints it", baseURL)
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: u.String(), http: httpClient}, nil
}

// URL is the server's base URL.
func (c *Client) URL() string { return c.base }

// Error is an answer other than success; Message is the server's own
// ("unknown scenario ... (valid: ...)").
type Error struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// Scenario is one catalog entry as GET /__admin/scenarios lists it.
type Scenario struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Recovery string `json:"recovery"`
	Active   bool   `json:"active"`
}

// State is what is active: ids in installation order, each one's
// parameters (defaults filled in), and the fixtures scenarios published
// (stored tokens, paths).
type State struct {
	Active   []string            `json:"active"`
	Params   []map[string]string `json:"params"`
	Fixtures map[string]string   `json:"fixtures"`
}

// Activation is one scenario to activate, with parameters (nil: defaults).
type Activation struct {
	ID     string            `json:"id"`
	Params map[string]string `json:"params,omitempty"`
}

// Clock is the server's virtual clock.
type Clock struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
}

// Scenarios lists the server's catalog.
func (c *Client) Scenarios(ctx context.Context) ([]Scenario, error) {
	var out []Scenario
	return out, c.do(ctx, http.MethodGet, "/__admin/scenarios", nil, &out)
}

// Active says what is active now.
func (c *Client) Active(ctx context.Context) (State, error) {
	var st State
	return st, c.do(ctx, http.MethodGet, "/__admin/scenario", nil, &st)
}

// Activate replaces what is active with the scenarios given, in order,
// resets the server's state and clears the journal.
func (c *Client) Activate(ctx context.Context, scenarios ...Activation) (State, error) {
	if len(scenarios) == 0 {
		return State{}, errors.New("activate: no scenario given")
	}
	var st State
	return st, c.do(ctx, http.MethodPut, "/__admin/scenario", map[string]any{"scenarios": scenarios}, &st)
}

// Heal deactivates every scenario, leaving a healthy server with a fresh
// journal.
func (c *Client) Heal(ctx context.Context) (State, error) {
	var st State
	return st, c.do(ctx, http.MethodDelete, "/__admin/scenario", nil, &st)
}

// Reset re-installs the active scenarios from scratch (tokens, sessions,
// counters), keeping them active.
func (c *Client) Reset(ctx context.Context) (State, error) {
	var st State
	return st, c.do(ctx, http.MethodPost, "/__admin/reset", nil, &st)
}

// Clock reads the server's virtual clock.
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	var cl Clock
	return cl, c.do(ctx, http.MethodGet, "/__admin/clock", nil, &cl)
}

// Advance moves the server's virtual clock forward by d.
func (c *Client) Advance(ctx context.Context, d time.Duration) (Clock, error) {
	var cl Clock
	return cl, c.do(ctx, http.MethodPost, "/__admin/clock", map[string]string{"advance": d.String()}, &cl)
}

// Do performs an operator action (rotate-signing-key, revoke-api-key...);
// arg is the action's argument, often empty.
func (c *Client) Do(ctx context.Context, action, arg string) error {
	return c.do(ctx, http.MethodPost, "/__admin/actions", map[string]string{"action": action, "arg": arg}, nil)
}

// OTP is the one-time code user's authenticator shows now (user "": the
// first configured user).
func (c *Client) OTP(ctx context.Context, user string) (string, error) {
	path := "/__admin/otp"
	if user != "" {
		path += "?user=" + url.QueryEscape(user)
	}
	var out struct {
		OTP string `json:"otp"`
	}
	return out.OTP, c.do(ctx, http.MethodGet, path, nil, &out)
}

// Journal returns the entries after seq since (0: all the server keeps),
// in arrival order.
func (c *Client) Journal(ctx context.Context, since int64) ([]journal.Entry, error) {
	out := []journal.Entry{}
	return out, c.do(ctx, http.MethodGet, "/__admin/journal?since="+strconv.FormatInt(since, 10), nil, &out)
}

// ClearJournal empties the journal.
func (c *Client) ClearJournal(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/__admin/journal", nil, nil)
}

// Follow calls fn with every entry after seq since, in order, first those
// the server holds and then each new one as it arrives, until ctx ends
// (it then returns nil), the server goes away, or fn returns an error.
// When the server's stream drops entries for a slow reader, Follow reads
// them back from the journal, so none is skipped while the journal holds it.
func (c *Client) Follow(ctx context.Context, since int64, fn func(journal.Entry) error) error {
	// Subscribe first, then read what is there, so nothing arriving in
	// between is missed; seq numbers drop what both deliver.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/__admin/journal/stream", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	stream := &http.Client{Transport: c.http.Transport} // no timeout: it runs until ctx ends
	resp, err := stream.Do(req)
	if err != nil {
		return unlessDone(ctx, fmt.Errorf("GET /__admin/journal/stream: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readError(resp)
	}
	held, err := c.Journal(ctx, since)
	if err != nil {
		return unlessDone(ctx, err)
	}
	last := since
	for _, e := range held {
		if err := fn(e); err != nil {
			return err
		}
		last = e.Seq
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			event = ""
			continue
		}
		if event == "missed" {
			// The stream dropped entries for a slow reader; the journal
			// still holds them.
			gap, err := c.Journal(ctx, last)
			if err != nil {
				return unlessDone(ctx, err)
			}
			for _, e := range gap {
				if err := fn(e); err != nil {
					return err
				}
				last = e.Seq
			}
			continue
		}
		var e journal.Entry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return fmt.Errorf("journal stream: %w", err)
		}
		if e.Seq <= last {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
		last = e.Seq
	}
	if err := sc.Err(); err != nil {
		return unlessDone(ctx, fmt.Errorf("journal stream: %w", err))
	}
	return unlessDone(ctx, errors.New("journal stream: the server closed it (stopped?)"))
}

// unlessDone is err, or nil when ctx has ended: the caller stopping a
// Follow is its normal end.
func unlessDone(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is `authchaos serve` running at %s?)", method, path, err, c.base)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return readError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the admin API's JSON: %w", method, path, err)
	}
	return nil
}

func readError(resp *http.Response) error {
	e := &Error{Method: resp.Request.Method, Path: resp.Request.URL.Path, Status: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error != "" {
		e.Message = body.Error
	} else {
		e.Message = strings.TrimSpace(string(raw))
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}
