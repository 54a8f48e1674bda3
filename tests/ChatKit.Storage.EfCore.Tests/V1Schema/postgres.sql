CREATE TABLE chatkit_conversations (
    id text NOT NULL,
    type character varying(16) NOT NULL,
    name text,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    last_seq bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    direct_key text,
    participant_counter bigint NOT NULL,
    CONSTRAINT pk_chatkit_conversations PRIMARY KEY (id)
);


CREATE TABLE chatkit_messages (
    id text NOT NULL,
    conversation_id text NOT NULL,
    seq bigint NOT NULL,
    sender_id text NOT NULL,
    sender_name text NOT NULL,
    content text NOT NULL,
    type character varying(16) NOT NULL,
    temp_id text,
    created_at bigint NOT NULL,
    edited_at bigint,
    deleted_at bigint,
    CONSTRAINT pk_chatkit_messages PRIMARY KEY (id),
    CONSTRAINT fk_chatkit_messages_conversation FOREIGN KEY (conversation_id) REFERENCES chatkit_conversations (id) ON DELETE CASCADE
);


CREATE TABLE chatkit_participants (
    conversation_id text NOT NULL,
    user_id text NOT NULL,
    role character varying(16) NOT NULL,
    joined_at bigint NOT NULL,
    ordinal bigint NOT NULL,
    CONSTRAINT pk_chatkit_participants PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT fk_chatkit_participants_conversation FOREIGN KEY (conversation_id) REFERENCES chatkit_conversations (id) ON DELETE CASCADE
);


CREATE TABLE chatkit_read_positions (
    conversation_id text NOT NULL,
    user_id text NOT NULL,
    seq bigint NOT NULL,
    CONSTRAINT pk_chatkit_read_positions PRIMARY KEY (conversation_id, user_id),
    CONSTRAINT fk_chatkit_read_positions_conversation FOREIGN KEY (conversation_id) REFERENCES chatkit_conversations (id) ON DELETE CASCADE
);


CREATE INDEX ix_chatkit_conversations_last_activity ON chatkit_conversations (last_activity_at, id);


CREATE UNIQUE INDEX ux_chatkit_conversations_direct_key ON chatkit_conversations (direct_key);


CREATE UNIQUE INDEX ux_chatkit_messages_conversation_seq ON chatkit_messages (conversation_id, seq);


CREATE UNIQUE INDEX ux_chatkit_messages_temp_id ON chatkit_messages (conversation_id, sender_id, temp_id);


CREATE INDEX ix_chatkit_participants_user ON chatkit_participants (user_id, conversation_id);


