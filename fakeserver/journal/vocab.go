package journal

// Reason is the machine-readable cause the journal records for an answer
// that was not a plain success (and that the JSON body of every refusal
// carries as "reason"). Empty means success.
type Reason string

// Reasons the API gives when it refuses a credential.
const (
	MissingCredentials   Reason = "missing_credentials"
	MalformedCredentials Reason = "malformed_credentials"
	WrongScheme          Reason = "wrong_scheme"
	InsufficientScope    Reason = "insufficient_scope"
	InsufficientRole     Reason = "insufficient_role"
	// InsufficientUserAuthentication is RFC 9470's step-up demand.
	InsufficientUserAuthentication Reason = "insufficient_user_authentication"

	TokenExpired         Reason = "token_expired"
	TokenNotYetValid     Reason = "token_not_yet_valid"
	TokenRevoked         Reason = "token_revoked"
	MalformedToken       Reason = "malformed_token"
	UnknownSigningKey    Reason = "unknown_signing_key"
	BadSignature         Reason = "bad_signature"
	WrongIssuer          Reason = "wrong_issuer"
	IDTokenAsAccessToken Reason = "id_token_as_access_token"
	AudienceMismatch     Reason = "audience_mismatch"
	InvalidDPoPProof     Reason = "invalid_dpop_proof"
	UseDPoPNonce         Reason = "use_dpop_nonce"
	DPoPBoundAsBearer    Reason = "dpop_bound_as_bearer"
	// UnknownOpaqueToken is an opaque access token the server never issued.
	UnknownOpaqueToken Reason = "unknown_opaque_token"

	APIKeyRevoked Reason = "api_key_revoked"
	InvalidAPIKey Reason = "invalid_api_key"

	SessionExpired        Reason = "session_expired"
	SessionUnknown        Reason = "session_unknown"
	SessionNetworkChanged Reason = "session_network_changed"
	DigestStaleNonce      Reason = "digest_stale_nonce"
)

// Reasons of primary authentication (login, password grant, Basic).
const (
	WrongPassword   Reason = "wrong_password"
	AccountLocked   Reason = "account_locked"
	MFARequired     Reason = "mfa_required"
	OTPExpired      Reason = "otp_expired"
	OTPInvalid      Reason = "otp_invalid"
	DeviceLimit     Reason = "device_limit"
	NoUser          Reason = "no_user"
	BadLoginRequest Reason = "bad_login_request"
)

// Reasons of the token, authorization and revocation endpoints.
const (
	InvalidClient              Reason = "invalid_client"
	MissingClientAuth          Reason = "missing_client_auth"
	MalformedClientAuth        Reason = "malformed_client_auth"
	TwoClientAuthMethods       Reason = "two_client_auth_methods"
	BadContentType             Reason = "bad_content_type"
	BadForm                    Reason = "bad_form"
	MissingGrantType           Reason = "missing_grant_type"
	UnsupportedGrantType       Reason = "unsupported_grant_type"
	ScopeExceedsGrant          Reason = "scope_exceeds_grant"
	SigningFailed              Reason = "signing_failed"
	MissingRefreshToken        Reason = "missing_refresh_token"
	RefreshTokenUnknown        Reason = "refresh_token_unknown"
	RefreshTokenClientMismatch Reason = "refresh_token_client_mismatch"
	RefreshTokenRevoked        Reason = "refresh_token_revoked"
	RefreshTokenExpired        Reason = "refresh_token_expired"
	RefreshTokenReused         Reason = "refresh_token_reused"
	CodeUnknown                Reason = "code_unknown"
	CodeReused                 Reason = "code_reused"
	CodeClientMismatch         Reason = "code_client_mismatch"
	CodeExpired                Reason = "code_expired"
	PKCEMismatch               Reason = "pkce_mismatch"
	PKCEDowngrade              Reason = "pkce_downgrade"
	PKCEMethod                 Reason = "pkce_method"
	PKCEFormat                 Reason = "pkce_format"
	DuplicateParameter         Reason = "duplicate_parameter"
	RedirectURIMismatch        Reason = "redirect_uri_mismatch"
	UnsupportedResponseType    Reason = "unsupported_response_type"
	MissingToken               Reason = "missing_token"
	TokenClientMismatch        Reason = "token_client_mismatch"
	InvalidTarget              Reason = "invalid_target"
	DeviceCodeUnknown          Reason = "device_code_unknown"
	DeviceCodeUsed             Reason = "device_code_used"
	DeviceCodeExpired          Reason = "device_code_expired"
	DeviceAccessDenied         Reason = "device_access_denied"
	DeviceSlowDown             Reason = "device_slow_down"
	DevicePending              Reason = "device_authorization_pending"
)

// Reasons of routing, and of the layers scenarios put in front of the API.
const (
	NotFound         Reason = "not_found"
	MethodNotAllowed Reason = "method_not_allowed"

	WAFBlock              Reason = "waf_block"
	FirewallBlock         Reason = "firewall_block"
	RateLimited           Reason = "rate_limited"
	CaptivePortal         Reason = "captive_portal"
	CaptivePortalPage     Reason = "captive_portal_page"
	CaptivePortalRedirect Reason = "captive_portal_redirect"
	UntrustedNetwork      Reason = "untrusted_network"
	StaleBackend          Reason = "stale_backend"
	HtaccessBasicAuth     Reason = "htaccess_basic_auth"
	ProtectedLocation     Reason = "protected_location"
	MembersOnlyPlugin     Reason = "members_only_plugin"

	// Redirect is a 3xx a scenario answers with on purpose.
	Redirect Reason = "redirect"
	// CredentialLeaked marks a request that carried a credential to an
	// origin it does not belong to.
	CredentialLeaked Reason = "credential_leaked"
)

// Reasons of the chaos proxy (authchaos proxy), about what its upstreams
// answered.
const (
	// UpstreamRefused is a 401 or 403 the upstream API answered (or a
	// 400 from the identity provider): the proxy passed it on as it came.
	UpstreamRefused Reason = "upstream_refused"
	// UpstreamUnreachable is the proxy's 502 when an upstream did not
	// answer.
	UpstreamUnreachable Reason = "upstream_unreachable"
)

// Origin names the backend or layer that answered a request, so the judge
// can tell the API's own 401 from an edge's.
type Origin string

// Origins.
const (
	App         Origin = "app"          // the fake server's own application
	OtherOrigin Origin = "other-origin" // the origin redirect scenarios send clients to
	WAF         Origin = "waf"
	Firewall    Origin = "firewall"
	Portal      Origin = "portal"
	RateLimiter Origin = "rate-limiter"
	RiskFilter  Origin = "risk-filter"
	OldBackend  Origin = "api-old-1" // a stale DNS answer's backend
	Apache      Origin = "apache"
	Nginx       Origin = "nginx"
	Plugin      Origin = "plugin"
)

// Edge reports whether o is a layer in front of the API (not the API and
// not the other origin), whose 401 says nothing about the credential.
func (o Origin) Edge() bool { return o != "" && o != App && o != OtherOrigin }
