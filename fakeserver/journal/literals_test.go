package journal_test

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// vocabulary are the typed words that must be spelled only where they
// are defined: a literal of one of these types anywhere else is a journal
// word spelled twice.
var vocabulary = map[string]string{
	"github.com/authchaos/authchaos/fakeserver/journal.Reason": "github.com/authchaos/authchaos/fakeserver/journal",
	"github.com/authchaos/authchaos/fakeserver/journal.Origin": "github.com/authchaos/authchaos/fakeserver/journal",
	"github.com/authchaos/authchaos/suites/adapter.AuthKind":   "github.com/authchaos/authchaos/suites/adapter",
}

// TestNoVocabularyLiterals type-checks the whole module, tests included,
// and fails on every string literal that becomes a Reason, an Origin or an
// auth kind outside its defining package.
func TestNoVocabularyLiterals(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the whole module")
	}
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Tests: true,
		Dir:   "../..",
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("loaded only %d packages; the check would prove nothing", len(pkgs))
	}
	seen := map[token.Position]bool{}
	checked := 0
	for _, p := range pkgs {
		for _, e := range p.Errors {
			t.Errorf("%s: %v", p.PkgPath, e)
		}
		home := strings.TrimSuffix(strings.TrimSuffix(p.PkgPath, "_test"), ".test")
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				checked++
				tv, ok := p.TypesInfo.Types[lit]
				if !ok {
					return true
				}
				named, ok := tv.Type.(*types.Named)
				if !ok || named.Obj().Pkg() == nil {
					return true
				}
				name := named.Obj().Pkg().Path() + "." + named.Obj().Name()
				def, vocab := vocabulary[name]
				if !vocab || home == def || !defined(named, lit) {
					return true
				}
				pos := p.Fset.Position(lit.Pos())
				if !seen[pos] {
					seen[pos] = true
					t.Errorf("%s: literal %s used as %s; use the constant from %s", pos, lit.Value, named.Obj().Name(), def)
				}
				return true
			})
		}
	}
	if checked == 0 {
		t.Fatal("no string literals inspected")
	}
}

// defined reports whether lit spells one of the constants of its type:
// a value the vocabulary does not have (an auth kind no client speaks, in
// a test of how clients refuse it; "" for success) is not a copy.
func defined(named *types.Named, lit *ast.BasicLit) bool {
	scope := named.Obj().Pkg().Scope()
	for _, n := range scope.Names() {
		c, ok := scope.Lookup(n).(*types.Const)
		if ok && types.Identical(c.Type(), named) && c.Val().ExactString() == lit.Value {
			return true
		}
	}
	return false
}
