"""The petstore example service: an OpenAPI app on fleece, stored in DynamoDB."""
