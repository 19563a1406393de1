//! A real HTTP server on 127.0.0.1 for tests: each path answers with a configurable [`Reply`];
//! conditional GET is answered the way a correct server does; every request's headers are logged.
//! It runs on its own thread and runtime, so synchronous tests can run the `nahar` binary
//! against it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};

/// What one path answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Answer 304 when the request's `If-None-Match` equals this.
    pub etag: Option<String>,
    /// Answer 304 when the request's `If-Modified-Since` equals this.
    pub last_modified: Option<String>,
    /// Wait this long before answering (a slow server).
    pub delay: Option<std::time::Duration>,
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
            etag: None,
            last_modified: None,
            delay: None,
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            etag: None,
            last_modified: None,
            delay: None,
        }
    }

    /// Answers after `delay`.
    #[cfg(feature = "nats")]
    pub fn after(mut self, delay: std::time::Duration) -> Reply {
        self.delay = Some(delay);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Default)]
struct Shared {
    replies: HashMap<String, Reply>,
    requests: Vec<(String, HeaderMap, std::time::Instant)>,
}

/// The running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_on("127.0.0.1")
    }

    /// A server on `ip` (any loopback address: 127.0.0.2 is another host to nahar).
    pub fn start_on(ip: &str) -> Server {
        let ip = ip.to_owned();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(format!("{ip}:0"))
                    .await
                    .expect("bind a loopback address");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("send addr");
                let app = axum::Router::new().fallback(move |request: Request<Body>| {
                    let state = state.clone();
                    async move {
                        let delay = state
                            .lock()
                            .expect("server state")
                            .replies
                            .get(request.uri().path())
                            .and_then(|reply| reply.delay);
                        if let Some(delay) = delay {
                            tokio::time::sleep(delay).await;
                        }
                        answer(&state, request)
                    }
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop.await;
                    })
                    .await
                    .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("server address");
        Server {
            addr,
            shared,
            _shutdown: shutdown,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.shared
            .lock()
            .expect("server state")
            .replies
            .insert(path.to_owned(), reply);
    }

    /// The headers of every request for `path`, in order.
    pub fn requests(&self, path: &str) -> Vec<HeaderMap> {
        self.shared
            .lock()
            .expect("server state")
            .requests
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, h, _)| h.clone())
            .collect()
    }

    /// Every request so far: (path, User-Agent, when it arrived), in order.
    #[cfg(feature = "nats")]
    pub fn log(&self) -> Vec<(String, String, std::time::Instant)> {
        self.shared
            .lock()
            .expect("server state")
            .requests
            .iter()
            .map(|(path, headers, at)| {
                let agent = headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                (path.clone(), agent, *at)
            })
            .collect()
    }

    /// When each request for `path` arrived, in order.
    pub fn request_times(&self, path: &str) -> Vec<std::time::Instant> {
        self.shared
            .lock()
            .expect("server state")
            .requests
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, _, at)| *at)
            .collect()
    }
}

fn answer(state: &Mutex<Shared>, request: Request<Body>) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let mut shared = state.lock().expect("server state");
    shared.requests.push((
        path.clone(),
        request.headers().clone(),
        std::time::Instant::now(),
    ));
    let Some(reply) = shared.replies.get(&path).cloned() else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .expect("response");
    };
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag_matches = reply.etag.is_some() && header("if-none-match") == reply.etag;
    let date_matches =
        reply.last_modified.is_some() && header("if-modified-since") == reply.last_modified;
    let mut builder = Response::builder();
    if let Some(etag) = &reply.etag {
        builder = builder.header("etag", etag);
    }
    if let Some(modified) = &reply.last_modified {
        builder = builder.header("last-modified", modified);
    }
    // RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since otherwise.
    let not_modified = if header("if-none-match").is_some() && reply.etag.is_some() {
        etag_matches
    } else {
        date_matches
    };
    if not_modified {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .expect("response");
    }
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .status(reply.status)
        .body(Body::from(reply.body))
        .expect("response")
}
