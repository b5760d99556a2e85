package scenarios

// The seed documents every scenario comes from (../shared/seeds). A
// scenario's Sources name the ones that describe its failure mode.
const (
	// SeedGuide is a general 401 guide: causes, user fixes, developer fixes,
	// the .htaccess Basic example and the bare {"status":401} API body.
	SeedGuide = "000_c82f7bcad3fd24f7.txt"
	// SeedCauses covers malformed requests, revoked credentials, firewall,
	// stale DNS, public endpoints behind auth and mistyped URLs.
	SeedCauses = "001_e27e0268656f12c7.txt"
	// SeedChecklist covers sessions, MFA, clock drift, device limits,
	// captive portals, WAF/CDN, redirects, cookies, OAuth client ids,
	// redirect URIs and scopes.
	SeedChecklist = "002_632a52dbb758a16c.txt"
)
