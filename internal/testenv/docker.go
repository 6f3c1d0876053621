package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcclickhouse "github.com/testcontainers/testcontainers-go/modules/clickhouse"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Container images; override with AUDITSTREAM_KAFKA_IMAGE and AUDITSTREAM_CLICKHOUSE_IMAGE.
const (
	DefaultKafkaImage      = "apache/kafka:4.1.0"
	DefaultClickHouseImage = "clickhouse/clickhouse-server:25.8"
)

// dockerPingTimeout bounds the Docker engine probe: a missing engine must not stall tests.
const dockerPingTimeout = 2 * time.Second

// dockerReachable reports whether a Docker engine answers /_ping, without going through
// testcontainers (whose host discovery can block or panic when there is no engine).
func dockerReachable(ctx context.Context) error {
	endpoints := dockerEndpoints()
	if len(endpoints) == 0 {
		return errors.New("no Docker engine: DOCKER_HOST unset and no docker.sock found")
	}
	var errs []error
	for _, ep := range endpoints {
		if err := pingDocker(ctx, ep); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ep, err))
			continue
		}
		return nil
	}
	return fmt.Errorf("no Docker engine answers: %w", errors.Join(errs...))
}

// dockerEndpoints lists the Docker endpoints to try: DOCKER_HOST, else the usual sockets.
func dockerEndpoints() []string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return []string{h}
	}
	candidates := []string{"/var/run/docker.sock"}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates,
			filepath.Join(home, ".docker", "run", "docker.sock"),
			filepath.Join(home, ".docker", "desktop", "docker.sock"))
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		candidates = append(candidates, filepath.Join(rt, "docker.sock"))
	}
	var out []string
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode()&os.ModeSocket != 0 {
			out = append(out, "unix://"+c)
		}
	}
	return out
}

func pingDocker(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, dockerPingTimeout)
	defer cancel()
	var dial func(ctx context.Context, _, _ string) (net.Conn, error)
	switch u.Scheme {
	case "unix":
		dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", u.Path)
		}
	case "tcp":
		if os.Getenv("DOCKER_TLS_VERIFY") != "" {
			// TLS engines: a TCP connect is the cheap check; testcontainers does the handshake.
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return err
			}
			return c.Close()
		}
		dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
		}
	default:
		return fmt.Errorf("unsupported DOCKER_HOST scheme %q", u.Scheme)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/_ping: %s", resp.Status)
	}
	return nil
}

var (
	containersMu sync.Mutex
	containers   []testcontainers.Container
)

func trackContainer(c testcontainers.Container) {
	containersMu.Lock()
	defer containersMu.Unlock()
	containers = append(containers, c)
}

// Shutdown terminates the containers started by the testcontainers provider, if any. Call it
// from TestMain after m.Run; without it, testcontainers' reaper removes them when the test
// process exits. It is a no-op for the other providers.
func Shutdown() error {
	containersMu.Lock()
	defer containersMu.Unlock()
	var errs []error
	for _, c := range containers {
		errs = append(errs, testcontainers.TerminateContainer(c))
	}
	containers = nil
	return errors.Join(errs...)
}

// startContainers starts Kafka and ClickHouse containers in parallel.
func startContainers(ctx context.Context) (*Env, error) {
	env := &Env{Provider: ProviderTestcontainers}
	var (
		wg         sync.WaitGroup
		kErr, cErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		env.KafkaBrokers, kErr = startKafkaContainer(ctx, envOr("AUDITSTREAM_KAFKA_IMAGE", DefaultKafkaImage))
	}()
	go func() {
		defer wg.Done()
		cErr = startClickHouseContainer(ctx, envOr("AUDITSTREAM_CLICKHOUSE_IMAGE", DefaultClickHouseImage), env)
	}()
	wg.Wait()
	if err := errors.Join(kErr, cErr); err != nil {
		_ = Shutdown()
		return nil, err
	}
	return env, nil
}

// The apache/kafka image is configured by KAFKA_* variables. The advertised listener must name
// the host-side mapped port, known only after the container started, so the container waits for
// a start script that this code writes once the port is mapped (the technique testcontainers'
// Kafka module uses for Confluent images; that module's script is Confluent-specific).
const (
	kafkaStartScript = "/tmp/auditstream-start.sh"
	kafkaPort        = "9092/tcp"
)

func startKafkaContainer(ctx context.Context, image string) ([]string, error) {
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithExposedPorts(kafkaPort),
		testcontainers.WithEnv(map[string]string{
			"KAFKA_NODE_ID":                                          "1",
			"KAFKA_PROCESS_ROLES":                                    "broker,controller",
			"KAFKA_LISTENERS":                                        "PLAINTEXT://0.0.0.0:9092,BROKER://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP":                   "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
			"KAFKA_INTER_BROKER_LISTENER_NAME":                       "BROKER",
			"KAFKA_CONTROLLER_LISTENER_NAMES":                        "CONTROLLER",
			"KAFKA_CONTROLLER_QUORUM_VOTERS":                         "1@localhost:9094",
			"KAFKA_AUTO_CREATE_TOPICS_ENABLE":                        "false",
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR":                 "1",
			"KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS":                     "10",
			"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR":         "1",
			"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR":                    "1",
			"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
			"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR":            "1",
			"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS":                 "0",
		}),
		testcontainers.WithEntrypoint("sh"),
		testcontainers.WithCmd("-c", "while [ ! -f "+kafkaStartScript+" ]; do sleep 0.1; done; exec sh "+kafkaStartScript),
		testcontainers.WithLifecycleHooks(testcontainers.ContainerLifecycleHooks{
			PostStarts: []testcontainers.ContainerHook{
				func(ctx context.Context, c testcontainers.Container) error {
					if err := wait.ForMappedPort(kafkaPort).WaitUntilReady(ctx, c); err != nil {
						return fmt.Errorf("wait for mapped port: %w", err)
					}
					endpoint, err := c.PortEndpoint(ctx, kafkaPort, "PLAINTEXT")
					if err != nil {
						return err
					}
					inspect, err := c.Inspect(ctx)
					if err != nil {
						return err
					}
					script := fmt.Sprintf("export KAFKA_ADVERTISED_LISTENERS=%s,BROKER://%s:9093\nexec /etc/kafka/docker/run\n",
						endpoint, inspect.Config.Hostname)
					if err := c.CopyToContainer(ctx, []byte(script), kafkaStartScript, 0o755); err != nil {
						return fmt.Errorf("copy start script: %w", err)
					}
					return wait.ForLog("Kafka Server started").WithStartupTimeout(3*time.Minute).WaitUntilReady(ctx, c)
				},
			},
		}),
	)
	if c != nil {
		trackContainer(c)
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", image, err)
	}
	endpoint, err := c.PortEndpoint(ctx, kafkaPort, "")
	if err != nil {
		return nil, err
	}
	return []string{endpoint}, nil
}

func startClickHouseContainer(ctx context.Context, image string, env *Env) error {
	c, err := tcclickhouse.Run(ctx, image)
	if c != nil {
		trackContainer(c)
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", image, err)
	}
	addr, err := c.ConnectionHost(ctx)
	if err != nil {
		return err
	}
	env.ClickHouseAddr, env.ClickHouseUser, env.ClickHousePassword = addr, c.User, c.Password
	return nil
}

func envOr(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}
