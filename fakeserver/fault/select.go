package fault

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Selection narrows which requests a scenario's edges see: a path prefix
// and a method to match, then of the matching requests the first N, every
// Nth, and each with probability P from a seeded generator, all of which
// must agree. A request the selection passes over skips the scenario's
// edges and goes on as if the scenario were not active, so "answer 401 to
// the first three calls, then pass through" is waf-block with first=3.
//
// It is written as parameters of the scenario with the SelectPrefix, in
// the same id:k=v syntax as the scenario's own:
//
//	waf-block:duration=1m,select.first=3,select.path=/api/items
//	rate-limited:select.p=0.1,select.seed=7
type Selection struct {
	Path   string  // path prefix; "" any path
	Method string  // e.g. GET; "" any method
	First  int     // only the first First matching requests; 0 no limit
	Every  int     // only every Every-th matching request (the Every-th, 2*Every-th...); 0 or 1 each
	P      float64 // probability a matching request is picked, in [0, 1]; 1 unless set
	Seed   uint64  // seeds P's generator, so a run picks the same requests again
	pSet   bool
}

// SelectPrefix marks a scenario parameter as part of its Selection.
const SelectPrefix = "select."

// selectKeys are the selection's parameters, without the prefix.
var selectKeys = []string{"every", "first", "method", "p", "path", "seed"}

// SplitSelection takes the selection's parameters out of a scenario's
// given parameters: rest are the scenario's own, given the selection's as
// they were written (for showing the activation back).
func SplitSelection(params map[string]string) (rest map[string]string, sel Selection, given map[string]string, err error) {
	for k, v := range params {
		name, ok := strings.CutPrefix(k, SelectPrefix)
		if !ok {
			if rest == nil {
				rest = map[string]string{}
			}
			rest[k] = v
			continue
		}
		if given == nil {
			given = map[string]string{}
		}
		given[k] = v
		if err := sel.set(name, v); err != nil {
			return nil, Selection{}, nil, fmt.Errorf("parameter %s: %w", k, err)
		}
	}
	return rest, sel, given, nil
}

func (s *Selection) set(name, v string) error {
	whole := func() (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("want a whole number >= 0, got %q", v)
		}
		return n, nil
	}
	var err error
	switch name {
	case "path":
		if !strings.HasPrefix(v, "/") {
			return fmt.Errorf("want a path prefix starting with /, got %q", v)
		}
		s.Path = v
	case "method":
		if v == "" || strings.ContainsAny(v, " \t/") {
			return fmt.Errorf("want an HTTP method such as GET, got %q", v)
		}
		s.Method = strings.ToUpper(v)
	case "first":
		s.First, err = whole()
	case "every":
		s.Every, err = whole()
	case "p":
		p, perr := strconv.ParseFloat(v, 64)
		if perr != nil || p < 0 || p > 1 {
			return fmt.Errorf("want a probability between 0 and 1, got %q", v)
		}
		s.P, s.pSet = p, true
	case "seed":
		n, perr := strconv.ParseUint(v, 10, 64)
		if perr != nil {
			return fmt.Errorf("want a whole number >= 0, got %q", v)
		}
		s.Seed = n
	default:
		keys := make([]string, len(selectKeys))
		for i, k := range selectKeys {
			keys[i] = SelectPrefix + k
		}
		sort.Strings(keys)
		return fmt.Errorf("unknown selection parameter (valid: %s)", strings.Join(keys, ", "))
	}
	return err
}

// All reports whether the selection picks every request, so there is
// nothing to wrap.
func (s Selection) All() bool {
	return s.Path == "" && s.Method == "" && s.First == 0 && s.Every <= 1 && (!s.pSet || s.P >= 1)
}

// Picker decides, request by request, what a Selection picks. One picker
// counts for all the edges of one scenario, safely across concurrent
// requests.
type Picker struct {
	sel Selection
	mu  sync.Mutex
	n   int
	rng *rand.Rand
}

// NewPicker starts counting for s.
func NewPicker(s Selection) *Picker {
	return &Picker{sel: s, rng: rand.New(rand.NewPCG(s.Seed, 0x5eed))}
}

// Pick reports whether r is one of the selected requests. Every matching
// request draws from the generator, picked or not, so a seed names the
// same requests whatever First and Every say.
func (p *Picker) Pick(r *http.Request) bool {
	s := p.sel
	if s.Path != "" && !strings.HasPrefix(r.URL.Path, s.Path) {
		return false
	}
	if s.Method != "" && r.Method != s.Method {
		return false
	}
	p.mu.Lock()
	p.n++
	n := p.n
	roll := p.rng.Float64()
	p.mu.Unlock()
	switch {
	case s.First > 0 && n > s.First:
		return false
	case s.Every > 1 && n%s.Every != 0:
		return false
	case s.pSet && roll >= s.P:
		return false
	}
	return true
}

// Edge makes e see only the requests p picks; the others go straight to
// what comes after e.
func (p *Picker) Edge(e Edge) Edge {
	return func(next http.Handler) http.Handler {
		faulty := e(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p.Pick(r) {
				faulty.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
