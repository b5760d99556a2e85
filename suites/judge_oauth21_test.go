package suites_test

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/authchaos/authchaos/fakeserver"
	"github.com/authchaos/authchaos/fakeserver/journal"
	"github.com/authchaos/authchaos/scenarios"
	"github.com/authchaos/authchaos/suites"
)

func (e entry) dpop() entry             { e.DPoP = true; return e }
func (e entry) resource(r string) entry { e.Resource = r; return e }

func get(path string) entry {
	return entry{Host: appHost, Method: "GET", Path: path, Scheme: "none", Status: 200, Origin: journal.App}
}

func deviceAuthorization(interval int) entry {
	return entry{Host: appHost, Method: "POST", Path: "/oauth/device_authorization", Scheme: "Basic", Status: 200, Origin: journal.App,
		Response: &journal.Message{Body: `{"device_code":"dc_x","interval":` + strconv.Itoa(interval) + `}`}}
}

func poll(status int, reason journal.Reason, at time.Duration) entry {
	return tokenReq(suites.DeviceCodeGrant, status, reason).at(at)
}

func judged(id string, steps []suites.StepRecord) []string {
	GinkgoHelper()
	sc, found := scenarios.Lookup(id)
	Expect(found).To(BeTrue())
	return suites.Judge(sc, steps)
}

var _ = Describe("Judge, OAuth 2.1 kinds", func() {
	Describe("nonce-retry", func() {
		// dpop-nonce: the token endpoint wants the nonce, the API works,
		// the nonce rotates, the API wants the new one.
		dpopRun := func(rs2 []entry) []suites.StepRecord {
			return journalOf(
				call("/api/items", ok(1),
					tokenReq("client_credentials", 400, journal.UseDPoPNonce).dpop(), tokenReq("client_credentials", 200, "").dpop(),
					api("/api/items", "DPoP", 200, "").dpop()),
				afterFault(call("/api/items", ok(1), rs2...)),
			)
		}
		It("passes one retry with the nonce, same token", func() {
			Expect(judged("dpop-nonce", dpopRun([]entry{api("/api/items", "DPoP", 401, journal.UseDPoPNonce).dpop(), api("/api/items", "DPoP", 200, "").dpop()}))).To(BeEmpty())
		})
		It("fails a new token after the API's nonce refusal", func() {
			Expect(judged("dpop-nonce", dpopRun([]entry{api("/api/items", "DPoP", 401, journal.UseDPoPNonce).dpop(),
				tokenReq("client_credentials", 200, "").dpop(), api("/api/items", "DPoP", 200, "").dpop()}))).To(ConsistOf(
				"asked for a new credential (seq 5) after use_dpop_nonce at seq 4: the token was good, only the nonce was missing; retry with the nonce, keep the token"))
		})
		It("fails a retry that carries no nonce", func() {
			got := judged("dpop-nonce", dpopRun([]entry{api("/api/items", "DPoP", 401, journal.UseDPoPNonce).dpop(), api("/api/items", "DPoP", 401, journal.UseDPoPNonce).dpop()}))
			Expect(got).To(ContainElement(HavePrefix("retried without the nonce: use_dpop_nonce at seq 4 was answered by another use_dpop_nonce at seq 5")))
		})
		It("fails giving up at the token endpoint", func() {
			steps := journalOf(call("/api/items", failed(400, "use_dpop_nonce"), tokenReq("client_credentials", 400, journal.UseDPoPNonce).dpop()))
			Expect(judged("dpop-nonce", steps)).To(ContainElement(HavePrefix("gave up on use_dpop_nonce at seq 1 (POST /oauth/token)")))
		})
		It("skips a client that never sent a proof", func() {
			sc, _ := scenarios.Lookup("dpop-nonce")
			steps := journalOf(call("/api/items", failed(401, "x"), tokenReq("client_credentials", 200, ""), api("/api/items", "Bearer", 401, journal.WrongScheme)))
			Expect(suites.Unspoken(sc, steps[0].Entries)).To(ContainSubstring("does not speak DPoP"))
			steps = dpopRun(nil)
			Expect(suites.Unspoken(sc, steps[0].Entries)).To(BeEmpty())
		})
		It("judges Digest stale=true the same way", func() {
			run := func(second ...entry) []suites.StepRecord {
				return journalOf(
					call("/api/items", ok(1), api("/api/items", "none", 401, journal.MissingCredentials), api("/api/items", "Digest", 200, "")),
					afterFault(call("/api/items", ok(1), second...)))
			}
			Expect(judged("digest-stale-nonce", run(api("/api/items", "Digest", 401, journal.DigestStaleNonce), api("/api/items", "Digest", 200, "")))).To(BeEmpty())
			Expect(judged("digest-stale-nonce", run(api("/api/items", "Digest", 401, journal.DigestStaleNonce), api("/api/items", "Digest", 401, journal.DigestStaleNonce)))).
				To(ContainElement(ContainSubstring("sign the retry with the nonce from the Digest challenge's nonce, stale=true")))
		})
	})

	Describe("discover", func() {
		run := func(token entry, meta ...entry) []suites.StepRecord {
			es := append([]entry{api("/api/items", "none", 401, journal.MissingCredentials)}, meta...)
			es = append(es, token, api("/api/items", "Bearer", 200, ""))
			return journalOf(call("/api/items", ok(1), es...), call("/api/me", ok(1), api("/api/me", "Bearer", 200, "")))
		}
		rm, asm := get("/.well-known/oauth-protected-resource"), get("/.well-known/oauth-authorization-server")
		It("passes metadata, server metadata, one token for the resource", func() {
			Expect(judged("resource-metadata-discovery", run(tokenReq("client_credentials", 200, "").resource("http://127.0.0.1:8401/api/"), rm, asm))).To(BeEmpty())
		})
		It("fails a token asked for without resource=", func() {
			Expect(judged("resource-metadata-discovery", run(tokenReq("client_credentials", 200, ""), rm, asm))).To(ConsistOf(
				`asked for a token without the resource indicator (seq 4, resource=""): the API takes only tokens issued for it; send resource= with the resource its metadata names (RFC 8707)`))
		})
		It("fails a guessed token endpoint", func() {
			Expect(judged("resource-metadata-discovery", run(tokenReq("client_credentials", 200, "").resource("http://127.0.0.1:8401/api/")))).To(ConsistOf(
				ContainSubstring("without fetching the resource metadata the 401 names")))
			Expect(judged("resource-metadata-discovery", run(tokenReq("client_credentials", 200, "").resource("http://127.0.0.1:8401/api/"), rm))).To(ConsistOf(
				ContainSubstring("without fetching the authorization server's metadata")))
		})
		It("fails a token per call", func() {
			steps := run(tokenReq("client_credentials", 200, "").resource("http://127.0.0.1:8401/api/"), rm, asm)
			steps[1].Entries = append([]fakeserver.Entry{fakeserver.Entry(tokenReq("client_credentials", 200, "").resource("http://127.0.0.1:8401/api/"))}, steps[1].Entries...)
			Expect(judged("resource-metadata-discovery", steps)).To(ConsistOf(HavePrefix("asked for 2 tokens")))
		})
	})

	Describe("poll", func() {
		const s = time.Second
		It("passes polls at the interval, 5 s slower after slow_down", func() {
			steps := journalOf(call("/api/items", ok(1), deviceAuthorization(1).at(0), poll(400, journal.DevicePending, 0),
				poll(400, journal.DeviceSlowDown, 1*s), poll(200, "", 7*s), api("/api/items", "Bearer", 200, "").at(7*s)))
			Expect(judged("device-flow", steps)).To(BeEmpty())
		})
		It("fails a client that keeps its interval after slow_down", func() {
			steps := journalOf(call("/api/items", ok(1), deviceAuthorization(1).at(0), poll(400, journal.DevicePending, 0),
				poll(400, journal.DeviceSlowDown, 1*s), poll(400, journal.DeviceSlowDown, 2*s), poll(400, journal.DeviceSlowDown, 3*s)))
			Expect(judged("device-flow", steps)).To(ContainElement(
				"polled faster than the interval 2 time(s): first seq 4 came 1s after seq 3, the interval being 6s; wait the interval, 5 s longer after each slow_down (RFC 8628 §3.5)"))
		})
		It("fails polling after expired_token, and starting over", func() {
			steps := journalOf(call("/api/items", failed(400, "expired_token"), deviceAuthorization(1).at(0), poll(400, journal.DevicePending, 0),
				poll(400, journal.DeviceCodeExpired, 2*s), poll(400, journal.DeviceCodeExpired, 3*s)))
			Expect(judged("device-code-expired", steps)).To(ContainElement(HavePrefix("kept polling (seq 4) after device_code_expired at seq 3: expired_token ends the flow")))
			steps = journalOf(call("/api/items", failed(400, "expired_token"), deviceAuthorization(1).at(0), poll(400, journal.DeviceCodeExpired, 2*s), deviceAuthorization(1).at(3*s)))
			Expect(judged("device-code-expired", steps)).To(ContainElement(HavePrefix("started over (seq 3) after device_code_expired at seq 2")))
		})
		It("passes stopping at expired_token, and many pending polls are no authentication loop", func() {
			steps := journalOf(call("/api/items", failed(400, "device code expired_token"), deviceAuthorization(1).at(0),
				poll(400, journal.DevicePending, 0), poll(400, journal.DevicePending, 1*s), poll(400, journal.DevicePending, 2*s),
				poll(400, journal.DevicePending, 3*s), poll(400, journal.DeviceCodeExpired, 4*s)))
			Expect(judged("device-code-expired", steps)).To(BeEmpty())
		})
	})

	Describe("step-up, RFC 9470", func() {
		run := func(after ...entry) []suites.StepRecord {
			return journalOf(
				call("/api/me", ok(1), tokenReq("password", 200, ""), api("/api/me", "Bearer", 200, "")),
				call("/api/items", ok(1), append([]entry{api("/api/items", "Bearer", 401, journal.InsufficientUserAuthentication)}, after...)...))
		}
		It("passes a new password grant and a retry", func() {
			Expect(judged("step-up-authentication", run(tokenReq("password", 200, ""), api("/api/items", "Bearer", 200, "")))).To(BeEmpty())
		})
		It("fails a refresh, which keeps the old authentication", func() {
			got := judged("step-up-authentication", run(tokenReq("refresh_token", 200, ""), api("/api/items", "Bearer", 401, journal.InsufficientUserAuthentication)))
			Expect(got).To(ContainElement(HavePrefix("refreshed (seq 4) after insufficient_user_authentication at seq 3: a refresh keeps the old authentication")))
		})
		It("fails a new authentication the route refuses again", func() {
			got := judged("step-up-authentication", run(tokenReq("password", 200, ""), api("/api/items", "Bearer", 401, journal.InsufficientUserAuthentication)))
			Expect(got).To(ContainElement(HavePrefix("authenticated again (seq 4) but not as the challenge asked")))
		})
	})
})
