-- A conversation turn sends COMMIT right behind the statement that writes its session,
-- outbox rows and event (src/conversation/handle-inbound-event.ts), so a session another
-- turn moved first must fail that statement: Postgres then answers the COMMIT by rolling
-- back. Given how many session rows the statement wrote, this raises OC409 unless it was one.
CREATE FUNCTION conversation_session_written(written bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
  IF written IS DISTINCT FROM 1 THEN
    RAISE EXCEPTION 'the conversation session changed under the turn' USING ERRCODE = 'OC409';
  END IF;
  RETURN written;
END;
$$;
