package fakeserver

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics counts answers by status and reason, so a load run or a
// workshop dashboard can watch 401 rates as an operator would. Each
// Server has its own registry: package-level collectors would collide
// between servers in one test binary.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authchaos_requests_total",
			Help: "Requests answered by the fake server, by status and reason.",
		}, []string{"status", "reason", "scenario"}),
	}
	m.reg.MustRegister(m.requests)
	return m
}

func (m *metrics) observe(e Entry) {
	m.requests.WithLabelValues(strconv.Itoa(e.Status), string(e.Reason), e.Scenario).Inc()
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
