package dev.loresmith.content;

/** Identifies one piece of content: a registered type name and an id within it. */
public record ContentKey(String contentType, ContentId contentId) {

    @Override
    public String toString() {
        return contentType + "/" + contentId;
    }
}
