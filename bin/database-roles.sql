-- The two database roles of Akuttilbud, run by a superuser on the app's database (README,
-- "Database roles"): once before the first `migrate`, and again after upgrading a database
-- made by a single role. Safe to run again.
--
--   owner role: owns the schema and every table; `migrate` and `rechain_audit_log` run as it.
--   app role:   what gunicorn, Celery and beat connect as. It reads and writes rows, owns
--               nothing, so it can neither drop nor disable the audit log's triggers, and may
--               only SELECT and INSERT the audit tables.
--
--   psql -v ON_ERROR_STOP=1 -v owner_role=akuttilbud_owner -v owner_password=... \
--        -v app_role=akuttilbud_app -v app_password=... -f bin/database-roles.sql akuttilbud
-- (bin/database-roles.sh passes them from the environment.)

-- psql does not expand its variables inside a DO block; the block reads them from here.
SELECT set_config('akuttilbud.owner_role', :'owner_role', false),
       set_config('akuttilbud.owner_password', :'owner_password', false),
       set_config('akuttilbud.app_role', :'app_role', false),
       set_config('akuttilbud.app_password', :'app_password', false);

DO $roles$
DECLARE
    owner_role text := current_setting('akuttilbud.owner_role');
    app_role text := current_setting('akuttilbud.app_role');
    audit_tables text[] := ARRAY['akuttilbud_auditevent', 'akuttilbud_auditeventperson'];
    existing record;
BEGIN
    IF owner_role = app_role THEN
        RAISE EXCEPTION 'the owner and the app must be two roles';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = owner_role) THEN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', owner_role, current_setting('akuttilbud.owner_password'));
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
        EXECUTE format(
            'CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
            app_role, current_setting('akuttilbud.app_password')
        );
    END IF;
    IF EXISTS (
        SELECT FROM pg_roles WHERE rolname = app_role AND (rolsuper OR rolbypassrls OR rolcreaterole)
    ) OR pg_has_role(app_role, owner_role, 'MEMBER') THEN
        RAISE EXCEPTION 'role % must be neither a superuser nor a member of %', app_role, owner_role;
    END IF;

    EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), owner_role);
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', owner_role);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), app_role);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app_role);

    -- Tables and sequences later migrations create.
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
        owner_role, app_role
    );
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I',
        owner_role, app_role
    );

    -- Those that exist already (an upgrade, or running this again). Migration 0004 takes UPDATE
    -- and DELETE on the audit tables back from every role but the owner for a new database.
    FOR existing IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO %I', existing.tablename, owner_role);
        IF existing.tablename = ANY (audit_tables) THEN
            EXECUTE format('REVOKE ALL ON public.%I FROM %I', existing.tablename, app_role);
            EXECUTE format('GRANT SELECT, INSERT ON public.%I TO %I', existing.tablename, app_role);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO %I', existing.tablename, app_role);
        END IF;
    END LOOP;
    FOR existing IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER SEQUENCE public.%I OWNER TO %I', existing.sequencename, owner_role);
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE public.%I TO %I', existing.sequencename, app_role);
    END LOOP;
    FOR existing IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname LIKE 'akuttilbud\_%'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', existing.signature, owner_role);
    END LOOP;
END
$roles$;

-- Not to be left in the session's settings.
SELECT set_config('akuttilbud.owner_password', '', false), set_config('akuttilbud.app_password', '', false);
