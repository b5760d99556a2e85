package suites

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
)

// DiagramLimit is the most exchanges one scenario's sequence diagram
// draws; the rest are counted in a gap row, never silently dropped. The
// exchanges a finding cites are drawn first, so a pin never points at a
// left-out arrow.
const DiagramLimit = 200

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"firstLine":  func(s string) string { return clipRunes(firstLine(s), 160) },
	"plus":       func(a, b int) int { return a + b },
	"minus":      func(a, b int) int { return a - b },
	"reqMarker":  reqMarker,
	"respMarker": respMarker,
}).Parse(htmlSource))

// reqMarker and respMarker pick the arrowhead that matches the colour
// CSS gives an exchange's request and answer lines.
func reqMarker(class string) string {
	cs := strings.Fields(class)
	switch {
	case slices.Contains(cs, "leak"), slices.Contains(cs, "other"):
		return "ah-bad"
	case slices.Contains(cs, "token"):
		return "ah-token"
	case slices.Contains(cs, "edge"):
		return "ah-edge"
	}
	return "ah-req"
}

func respMarker(class string) string {
	cs := strings.Fields(class)
	switch {
	case slices.Contains(cs, "refused"):
		return "ah-bad"
	case slices.Contains(cs, "redirected"):
		return "ah-redir"
	case slices.Contains(cs, "noanswer"):
		return "ah-none"
	}
	return "ah-ok"
}

// WriteHTML writes the report as one self-contained HTML page (no
// script, no network): the summary, and per scenario its verdict,
// findings, advisories and a sequence diagram drawn from its journal,
// with every finding pinned to the arrows its "seq N" names. Every
// journal value goes through html/template, so a hostile path is text.
func (r *Report) WriteHTML(w io.Writer) error {
	v := htmlReport{Report: r, Title: "authchaos run: " + r.name(), Summary: r.Summary()}
	if !r.Started.IsZero() {
		v.Started = r.Started.UTC().Format(time.RFC3339)
	}
	for i, res := range r.Results {
		v.Scenarios = append(v.Scenarios, newHTMLScenario(i, res))
	}
	return htmlTemplate.Execute(w, v)
}

type htmlReport struct {
	*Report
	Title, Summary, Started string
	Scenarios               []htmlScenario
}

type htmlScenario struct {
	Result
	Anchor    string
	Verdict   string // upper case, as the table prints it
	Findings  []htmlFinding
	Diagram   *diagram
	NoJournal bool // judged, but the server recorded no request
}

type htmlFinding struct {
	N    int
	Text string
	Pins string // the seqs drawn and pinned, space-separated
	// Cited are seqs the finding names that the journal does not hold.
	Cited  []int64
	Anchor string // the first pinned arrow
}

// seqRef matches what findings cite: "seq 5", "seq 3-9", "seq 12 → 13".
var seqRef = regexp.MustCompile(`seq (\d+)(?:\s*(-|–|→|->)\s*(\d+))?`)

// citedSeqs is every seq a finding names: a range "N-M" in full, a step
// "N → M" as its two ends.
func citedSeqs(finding string) []int64 {
	var out []int64
	for _, m := range seqRef.FindAllStringSubmatch(finding, -1) {
		a, _ := strconv.ParseInt(m[1], 10, 64)
		if m[3] == "" {
			out = append(out, a)
			continue
		}
		b, _ := strconv.ParseInt(m[3], 10, 64)
		if m[2] == "-" || m[2] == "–" {
			for s := a; s <= b && s-a < 100000; s++ {
				out = append(out, s)
			}
			continue
		}
		out = append(out, a, b)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func newHTMLScenario(i int, res Result) htmlScenario {
	s := htmlScenario{Result: res, Anchor: fmt.Sprintf("s%d", i+1), Verdict: strings.ToUpper(string(res.Verdict))}
	pins := map[int64][]int{}
	for n, f := range res.Findings {
		for _, seq := range citedSeqs(f) {
			pins[seq] = append(pins[seq], n+1)
		}
	}
	if len(res.Journal) > 0 {
		s.Diagram = newDiagram(s.Anchor, res.Journal, pins)
	} else {
		s.NoJournal = res.Verdict == Pass || res.Verdict == Fail
	}
	for n, f := range res.Findings {
		hf := htmlFinding{N: n + 1, Text: f}
		var drawn []string
		for _, seq := range citedSeqs(f) {
			if s.Diagram != nil && s.Diagram.drawn[seq] {
				drawn = append(drawn, strconv.FormatInt(seq, 10))
				if hf.Anchor == "" {
					hf.Anchor = fmt.Sprintf("%s-seq%d", s.Anchor, seq)
				}
			} else {
				hf.Cited = append(hf.Cited, seq)
			}
		}
		hf.Pins = strings.Join(drawn, " ")
		s.Findings = append(s.Findings, hf)
	}
	return s
}

// Lanes of the diagram, left to right.
const (
	laneClient = iota
	laneAPI
	laneToken
	laneOther
	firstEdgeLane
)

type lane struct {
	Label, Sub, Class string
	X                 int
}

type diagram struct {
	Width, Height int
	LaneEnd       int
	Lanes         []lane
	Rows          []diagramRow
	Total, Drawn  int
	Omitted       int
	Token, Leaks  int // token/login exchanges and leaked credentials, for the caption
	drawn         map[int64]bool
}

// diagramRow is one exchange (a request arrow and its answer), or a gap
// where exchanges were left out.
type diagramRow struct {
	Y, X1, X2          int
	ReqY, RespY, TextX int
	Anchor, Class      string
	Seq                int64
	Request, Answer    string
	Title              string
	Findings           string // finding numbers pinned here, space-separated
	Badges             []badge
	Leak               bool
	Gap                string
	GapW               int
	HighlightW         int
}

type badge struct {
	N, X, Y int
}

const (
	laneGap    = 200
	laneFirstX = 110
	rowHeight  = 50
	headHeight = 56
)

// laneOf places an entry: the other origin and each edge layer have
// their own lane; on the app, the token endpoint (and the login and
// metadata an authorization server serves) is apart from the API.
func laneOf(e fakeserver.Entry, edges map[journal.Origin]int, next *int) int {
	switch {
	case e.Origin == journal.OtherOrigin:
		return laneOther
	case e.Origin.Edge():
		if l, ok := edges[e.Origin]; ok {
			return l
		}
		edges[e.Origin] = *next
		*next++
		return edges[e.Origin]
	case tokenPath(e.Path):
		return laneToken
	}
	return laneAPI
}

func tokenPath(p string) bool {
	for _, pre := range []string{"/oauth/", "/login", "/logout", "/jwks", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/userinfo"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

func newDiagram(anchor string, entries []fakeserver.Entry, pins map[int64][]int) *diagram {
	d := &diagram{Total: len(entries), drawn: map[int64]bool{}}
	// Which exchanges to draw: the cited ones first, then from the start.
	keep := make([]bool, len(entries))
	n := 0
	for i, e := range entries {
		if len(pins[e.Seq]) > 0 && n < DiagramLimit {
			keep[i] = true
			n++
		}
	}
	for i := range entries {
		if n >= DiagramLimit {
			break
		}
		if !keep[i] {
			keep[i] = true
			n++
		}
	}
	edges := map[journal.Origin]int{}
	next := firstEdgeLane
	laneIdx := make([]int, len(entries))
	used := map[int]bool{laneClient: true, laneAPI: true, laneToken: true}
	for i, e := range entries {
		laneIdx[i] = laneOf(e, edges, &next)
		if keep[i] {
			used[laneIdx[i]] = true
		}
	}
	// Lanes: client, API, token endpoint always; the other origin and
	// edge layers when an exchange went there.
	xOf := map[int]int{}
	add := func(idx int, l lane) {
		if !used[idx] {
			return
		}
		l.X = laneFirstX + len(d.Lanes)*laneGap
		xOf[idx] = l.X
		d.Lanes = append(d.Lanes, l)
	}
	add(laneClient, lane{Label: "client", Sub: "under test", Class: "client"})
	add(laneAPI, lane{Label: "API", Sub: "app /api/", Class: "api"})
	add(laneToken, lane{Label: "token endpoint", Sub: "/oauth/*, /login", Class: "token"})
	add(laneOther, lane{Label: "other origin", Sub: "redirect target", Class: "other"})
	edgeNames := make([]journal.Origin, len(edges))
	for o, i := range edges {
		edgeNames[i-firstEdgeLane] = o
	}
	for i, o := range edgeNames {
		add(firstEdgeLane+i, lane{Label: string(o), Sub: "edge layer", Class: "edge"})
	}
	d.Width = laneFirstX + (len(d.Lanes)-1)*laneGap + laneGap/2 + 40
	y := headHeight
	skipped, skipFrom, skipTo := 0, int64(0), int64(0)
	flush := func() {
		if skipped == 0 {
			return
		}
		d.Rows = append(d.Rows, diagramRow{Y: y, Gap: fmt.Sprintf("⋯ %s not drawn (seq %d-%d) ⋯", plural(skipped, "exchange"), skipFrom, skipTo), GapW: d.Width})
		d.Omitted += skipped
		y += rowHeight / 2
		skipped = 0
	}
	for i, e := range entries {
		if e.Origin == journal.OtherOrigin && e.Credential != "" || e.Reason == journal.CredentialLeaked {
			d.Leaks++
		}
		if laneIdx[i] == laneToken {
			d.Token++
		}
		if !keep[i] {
			if skipped == 0 {
				skipFrom = e.Seq
			}
			skipped++
			skipTo = e.Seq
			continue
		}
		flush()
		d.Rows = append(d.Rows, exchangeRow(anchor, e, xOf[laneClient], xOf[laneIdx[i]], laneIdx[i], y, pins[e.Seq], d.Width))
		d.drawn[e.Seq] = true
		d.Drawn++
		y += rowHeight
	}
	flush()
	d.Height = y + 10
	d.LaneEnd = y
	return d
}

func exchangeRow(anchor string, e fakeserver.Entry, x1, x2, ln, y int, findings []int, width int) diagramRow {
	r := diagramRow{Y: y, X1: x1, X2: x2, ReqY: y + 19, RespY: y + 32, TextX: x1 + 10, Seq: e.Seq,
		Anchor: fmt.Sprintf("%s-seq%d", anchor, e.Seq), HighlightW: width}
	classes := []string{"exchange", []string{"api", "api", "token", "other", "edge"}[min(ln, firstEdgeLane)]}
	switch {
	case e.Status == 0:
		classes = append(classes, "noanswer")
	case e.Status >= 400:
		classes = append(classes, "refused")
	case e.Status >= 300:
		classes = append(classes, "redirected")
	default:
		classes = append(classes, "ok")
	}
	r.Leak = e.Origin == journal.OtherOrigin && e.Credential != "" || e.Reason == journal.CredentialLeaked
	if r.Leak {
		classes = append(classes, "leak")
	}
	if len(findings) > 0 {
		classes = append(classes, "pinned")
		var ns []string
		for k, n := range findings {
			ns = append(ns, strconv.Itoa(n))
			r.Badges = append(r.Badges, badge{N: n, X: 14 + 20*k, Y: y + 26})
		}
		r.Findings = strings.Join(ns, " ")
	}
	r.Class = strings.Join(classes, " ")
	path := clipRunes(e.Path, 44)
	req := fmt.Sprintf("%d  %s %s", e.Seq, e.Method, path)
	if e.Grant != "" {
		req += " · " + e.Grant
	}
	if e.Credential != "" {
		req += " · " + e.Scheme + " " + shortFingerprint(e.Credential)
	}
	if r.Leak {
		req += " · credential leaked"
	}
	r.Request = req
	ans := strconv.Itoa(e.Status)
	if e.Status == 0 {
		ans = "no answer"
	}
	if e.Reason != "" {
		ans += " " + string(e.Reason)
	}
	if e.RetryAfter != "" {
		ans += " · Retry-After " + e.RetryAfter
	}
	if e.Location != "" {
		ans += " → " + clipRunes(e.Location, 40)
	}
	r.Answer = ans
	origin := string(e.Origin)
	if origin == "" {
		origin = "app"
	}
	r.Title = fmt.Sprintf("seq %d at %s\n%s http://%s%s\nscheme %s credential %s\n→ %d %s (origin %s)",
		e.Seq, e.At.UTC().Format("15:04:05.000"), e.Method, e.Host, e.Path, e.Scheme, orDash(e.Credential), e.Status, orDash(string(e.Reason)), origin)
	if e.RetryAfter != "" {
		r.Title += "\nRetry-After: " + e.RetryAfter
	}
	if e.Location != "" {
		r.Title += "\nLocation: " + e.Location
	}
	return r
}

// shortFingerprint is the first six hex digits of a fingerprint, enough
// to tell credentials apart on an arrow.
func shortFingerprint(fp string) string {
	if _, h, ok := strings.Cut(fp, ":"); ok {
		fp = h
	}
	if len(fp) > 6 {
		fp = fp[:6]
	}
	return fp
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
