package main

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/authchaos/authchaos/fakeserver/config"
)

// runBinaryEnv runs the binary with only the environment given.
func runBinaryEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, authchaosBinary(t), args...)
	cmd.Env = env
	var out, errOut syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBinaryServeEnv: every serve flag also comes from AUTHCHAOS_*, as a
// container is configured; the command line wins.
func TestBinaryServeEnv(t *testing.T) {
	env := []string{"AUTHCHAOS_ADDR=127.0.0.1:0", "AUTHCHAOS_SCENARIO=waf-block:duration=3s expired-token:lifetime=30s", "AUTHCHAOS_PRINT_CONFIG=true"}
	r := runBinaryEnv(t, env, "serve")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	cfg, err := config.Parse("printed", []byte(r.stdout))
	if err != nil {
		t.Fatalf("--print-config from AUTHCHAOS_PRINT_CONFIG: %v\n%s", err, r.stdout)
	}
	if cfg.Addr != "127.0.0.1:0" || len(cfg.Scenarios) != 2 || cfg.Scenarios[0].Params["duration"] != "3s" || cfg.Scenarios[1].Params["lifetime"] != "30s" {
		t.Errorf("env not applied: addr %q, scenarios %+v", cfg.Addr, cfg.Scenarios)
	}

	r = runBinaryEnv(t, env, "serve", "--addr", "127.0.0.1:9999", "--scenario", "clock-skew")
	cfg, err = config.Parse("printed", []byte(r.stdout))
	if err != nil || cfg.Addr != "127.0.0.1:9999" || len(cfg.Scenarios) != 1 || cfg.Scenarios[0].ID != "clock-skew" {
		t.Errorf("flags should win over the environment: %v %+v", err, cfg)
	}

	r = runBinaryEnv(t, []string{"AUTHCHAOS_VERBOSE=maybe"}, "serve")
	if r.code != 2 || !strings.Contains(r.stderr, `AUTHCHAOS_VERBOSE="maybe"`) || !strings.Contains(r.stderr, "--verbose") {
		t.Errorf("a bad variable: exit %d, want 2 naming it:\n%s", r.code, r.stderr)
	}
	r = runBinaryEnv(t, []string{"AUTHCHAOS_SCENARIO=expired-tokn"}, "serve")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown scenario "expired-tokn"`) {
		t.Errorf("a bad scenario in the environment: exit %d:\n%s", r.code, r.stderr)
	}

	r = runBinaryEnv(t, nil, "serve", "--help")
	for _, name := range []string{"AUTHCHAOS_ADDR", "AUTHCHAOS_SCENARIO", "AUTHCHAOS_CONFIG", "AUTHCHAOS_PRINT_CONFIG", "AUTHCHAOS_VERBOSE"} {
		if !strings.Contains(r.stdout, "[env "+name+"]") {
			t.Errorf("serve --help does not show %s:\n%s", name, r.stdout)
		}
	}
}
