CREATE TABLE "chatkit_conversations" (
    "id" TEXT NOT NULL CONSTRAINT "pk_chatkit_conversations" PRIMARY KEY,
    "type" TEXT NOT NULL,
    "name" TEXT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" INTEGER NOT NULL,
    "last_seq" INTEGER NOT NULL,
    "last_activity_at" INTEGER NOT NULL,
    "direct_key" TEXT NULL,
    "participant_counter" INTEGER NOT NULL
);


CREATE TABLE "chatkit_messages" (
    "id" TEXT NOT NULL CONSTRAINT "pk_chatkit_messages" PRIMARY KEY,
    "conversation_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "sender_id" TEXT NOT NULL,
    "sender_name" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "temp_id" TEXT NULL,
    "created_at" INTEGER NOT NULL,
    "edited_at" INTEGER NULL,
    "deleted_at" INTEGER NULL,
    CONSTRAINT "fk_chatkit_messages_conversation" FOREIGN KEY ("conversation_id") REFERENCES "chatkit_conversations" ("id") ON DELETE CASCADE
);


CREATE TABLE "chatkit_participants" (
    "conversation_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "joined_at" INTEGER NOT NULL,
    "ordinal" INTEGER NOT NULL,
    CONSTRAINT "pk_chatkit_participants" PRIMARY KEY ("conversation_id", "user_id"),
    CONSTRAINT "fk_chatkit_participants_conversation" FOREIGN KEY ("conversation_id") REFERENCES "chatkit_conversations" ("id") ON DELETE CASCADE
);


CREATE TABLE "chatkit_read_positions" (
    "conversation_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    CONSTRAINT "pk_chatkit_read_positions" PRIMARY KEY ("conversation_id", "user_id"),
    CONSTRAINT "fk_chatkit_read_positions_conversation" FOREIGN KEY ("conversation_id") REFERENCES "chatkit_conversations" ("id") ON DELETE CASCADE
);


CREATE INDEX "ix_chatkit_conversations_last_activity" ON "chatkit_conversations" ("last_activity_at", "id");


CREATE UNIQUE INDEX "ux_chatkit_conversations_direct_key" ON "chatkit_conversations" ("direct_key");


CREATE UNIQUE INDEX "ux_chatkit_messages_conversation_seq" ON "chatkit_messages" ("conversation_id", "seq");


CREATE UNIQUE INDEX "ux_chatkit_messages_temp_id" ON "chatkit_messages" ("conversation_id", "sender_id", "temp_id");


CREATE INDEX "ix_chatkit_participants_user" ON "chatkit_participants" ("user_id", "conversation_id");


