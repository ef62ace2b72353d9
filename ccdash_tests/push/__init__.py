"""`push`: stored runs sent to a CCDash server's Test Visualizer (payload, HTTP edge, service)."""
