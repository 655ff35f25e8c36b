"""Operations: Prometheus metrics and structured logs with request ids."""
